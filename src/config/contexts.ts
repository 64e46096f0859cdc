/**
 * The docker CLI's context store, read-only (docker/cli `cli/context/store`):
 *
 * - `<configDir>/contexts/meta/<id>/meta.json` holds a context's endpoints, where `<id>` is the
 *   hex SHA-256 of the context name (the store's `contextdirOf`), so any name maps to a safe path;
 * - `<configDir>/contexts/tls/<id>/docker/{ca,cert,key}.pem` holds the docker endpoint's TLS files;
 * - the docker endpoint is `Endpoints.docker` with `Host` and `SkipTLSVerify`
 *   (`cli/context/docker/load.go`); TLS material is ignored for unix sockets, as the CLI does.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TlsOptions } from "../docker-host.js";
import { field } from "./config-file.js";
import { DockerConfigError, DockerContextNotFoundError } from "./errors.js";

/** The name of the built-in context that means "the environment and defaults". */
export const DEFAULT_CONTEXT_NAME = "default";

/** A context's docker endpoint as stored. */
export interface DockerContextEndpoint {
  /** The context name. */
  name: string;
  /** `Endpoints.docker.Host`; undefined when empty (the CLI then uses the default socket). */
  host: string | undefined;
  /** `Endpoints.docker.SkipTLSVerify`. */
  skipTlsVerify: boolean;
  /** TLS files of the endpoint, when any exist. */
  tls: { ca?: string; cert?: string; key?: string } | undefined;
  /** The meta.json the endpoint was read from. */
  metaPath: string;
}

/** The store directory name of a context: hex SHA-256 of its name. */
export function contextId(name: string): string {
  return createHash("sha256").update(name, "utf8").digest("hex");
}

/**
 * Reads a context's docker endpoint from the store under `configDir`.
 * @throws DockerContextNotFoundError when the context has no meta.json.
 * @throws DockerConfigError when meta.json is malformed or has no docker endpoint.
 */
export function loadContextEndpoint(
  configDir: string,
  name: string,
  source: "DOCKER_CONTEXT" | "config.json currentContext",
): DockerContextEndpoint {
  const id = contextId(name);
  const metaPath = join(configDir, "contexts", "meta", id, "meta.json");
  let text: string;
  try {
    text = readFileSync(metaPath, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new DockerContextNotFoundError(name, source, metaPath);
    throw new DockerConfigError(metaPath, `cannot read: ${code ?? "I/O error"}`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new DockerConfigError(metaPath, "not valid JSON");
  }
  const endpoints = isRecord(meta) ? field(meta, "Endpoints") : undefined;
  const docker = isRecord(endpoints) ? endpoints["docker"] : undefined;
  // cli/context/docker/load.go EndpointFromContext: a context without a docker endpoint is an error.
  if (!isRecord(docker)) throw new DockerConfigError(metaPath, `context ${JSON.stringify(name)} has no docker endpoint`);
  const host = field(docker, "Host");
  const skip = field(docker, "SkipTLSVerify");

  const tlsDir = join(configDir, "contexts", "tls", id, "docker");
  const tls: { ca?: string; cert?: string; key?: string } = {};
  for (const [key, file] of [
    ["ca", "ca.pem"],
    ["cert", "cert.pem"],
    ["key", "key.pem"],
  ] as const) {
    const content = readOptional(join(tlsDir, file));
    if (content !== undefined) tls[key] = content;
  }
  return {
    name,
    host: typeof host === "string" && host !== "" ? host : undefined,
    skipTlsVerify: skip === true,
    tls: Object.keys(tls).length > 0 ? tls : undefined,
    metaPath,
  };
}

/**
 * The TLS options of a context endpoint, as the CLI's `Endpoint.tlsConfig`: none for sockets
 * or when there is neither TLS data nor `SkipTLSVerify`; otherwise the files it has, verifying
 * unless `SkipTLSVerify`.
 */
export function contextTlsOptions(endpoint: DockerContextEndpoint): TlsOptions | undefined {
  if (endpoint.host !== undefined && /^(unix|npipe|fd):\/\//i.test(endpoint.host)) return undefined;
  if (endpoint.tls === undefined && !endpoint.skipTlsVerify) return undefined;
  const tls: TlsOptions = { verify: !endpoint.skipTlsVerify };
  if (endpoint.tls?.ca !== undefined) tls.ca = endpoint.tls.ca;
  if (endpoint.tls?.cert !== undefined && endpoint.tls.key !== undefined) {
    tls.cert = endpoint.tls.cert;
    tls.key = endpoint.tls.key;
  }
  return tls;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new DockerConfigError(path, `cannot read: ${code ?? "I/O error"}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
