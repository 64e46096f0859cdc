/**
 * berth: a typed Docker Remote API client for Node, Bun and Deno.
 *
 * @module berth
 */
export { BERTH_VERSION, createDockerApi, serializeDockerPath, serializeDockerQuery } from "./api.js";
export type { ConnectionOptions, DockerApi, DockerApiOptions } from "./api.js";
export { DEFAULT_DOCKER_HOST, formatEndpoint, parseDockerHost } from "./docker-host.js";
export type { Endpoint, SshEndpoint, TcpEndpoint, TlsOptions, UnixEndpoint } from "./docker-host.js";
export * from "./errors.js";
export { createTransport, detectRuntime } from "./transport/index.js";
export type { ConnectOptions, RawConnection, Runtime, SshOptions, Transport, TransportOptions } from "./transport/index.js";
export { ApiVersionPin, compareApiVersions, pickApiVersion, probeDaemonApiRange } from "./version.js";
export type { DaemonApiRange } from "./version.js";
export { connectionFromEnv, loadTlsDirectory } from "./env.js";
export { createResponseValidation, isTolerableIssue, STRICT_VALIDATION } from "./validation.js";
export type {
  ResponseIssue,
  ResponseValidation,
  ResponseValidator,
  ValidationMode,
  ValidationOptions,
  ValidationReport,
} from "./validation.js";
export type { DockerEnv } from "./env.js";
export * from "./config/index.js";
export * from "./build-context/index.js";
export * from "./progress/index.js";
export * from "./attach/index.js";
export { Demuxer, DemuxStream, encodeFrame, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from "./codecs/demux.js";
export type { DemuxChunk, DemuxOptions, StdStream } from "./codecs/demux.js";
export * from "./events/index.js";
export { JsonStreamParser, jsonStreamTransform, readJsonStream, DEFAULT_MAX_JSON_VALUE_LENGTH } from "./codecs/json-stream.js";
export type { JsonStreamItem, JsonStreamOptions } from "./codecs/json-stream.js";
export * from "./exec/index.js";
export * from "./logs/index.js";
export * from "./versions/index.js";
export * from "./generic/index.js";
export * from "./client/index.js";
export * from "./swarm/index.js";
export type { ProgressMessage } from "./client/index.js";
export { isBodyInput, toRequestBody } from "./body.js";
export type { BodyInput } from "./body.js";
