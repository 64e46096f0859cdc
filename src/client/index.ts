/**
 * The Go-surface client: `DockerClient`, its operation types, the Go package's types and
 * constants (signals, change kinds, ports) and its errors.
 */
export { CLIENT_API_VERSION, DockerClient } from "./client.js";
export type { ResizeContainerTTYOptions } from "./client.js";
export type { CallOptions, ClientContext } from "./context.js";
export { createClientContext } from "./context.js";
export type {
  CommitContainerOptions,
  ContainerOptions,
  CopyFromContainerOptions,
  CreateContainerOptions,
  KillContainerOptions,
  ListContainersOptions,
  RemoveContainerOptions,
  StartContainerOptions,
  StopContainerOptions,
  TopContainerOptions,
} from "./containers.js";
export type { ImageOptions, ListImagesOptions, RemoveImageOptions, SearchImagesOptions, TagImageOptions } from "./images.js";
export type {
  BuildImageOptions,
  BuildResult,
  ImportImageOptions,
  ImportResult,
  LoadImageOptions,
  LoadResult,
  PullImageOptions,
  PullResult,
  PushImageOptions,
  PushResult,
} from "./image-streams.js";
export type { CheckAuthOptions } from "./system.js";
export { ProgressOperation } from "./progress.js";
export { ByteStreamOperation } from "./download.js";
export type { NodeWritableSink, PipeOptions } from "./download.js";
export { Signal, signalName, signalNumber } from "./signals.js";
export type { SignalInput, SignalName } from "./signals.js";
export { ChangeType, changeKindName, formatChange } from "./changes.js";
export { Port, portMappingAPI } from "./ports.js";
export type { APIPortWithIP, ParsedPort } from "./ports.js";
export { encodeRegistryAuth } from "./auth.js";
export {
  HostConfigAtStartUnsupportedError,
  InvalidPortSpecError,
  InvalidResponseError,
  InvalidSignalError,
  MissingIdError,
  MissingOutputStreamError,
  NoSuchPathError,
} from "./errors.js";
export type {
  APIContainers,
  APIImages,
  APIPort,
  AuthCheckResult,
  AuthConfiguration,
  Change,
  Container,
  ContainerCommitResult,
  ContainerConfig,
  ContainerCreateResult,
  ContainerState,
  ContainerTop,
  CreateContainerConfig,
  DockerInfo,
  DockerVersion,
  HostConfig,
  Image,
  ImageDeleteResponseItem,
  ImageHistoryEntry,
  ImageSearchResult,
  NetworkSettings,
  PortBinding,
  ProgressMessage,
} from "./types.js";
