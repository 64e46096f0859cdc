/**
 * The `DockerError` hierarchy: one base class, one class per failure mode.
 *
 * Every class has a literal `name` and a stable `code`. Type guards go through a
 * `Symbol.for` brand rather than `instanceof` alone, so they keep working when two
 * copies of berth are loaded in one process (for example a CLI and a plugin).
 */

const BRAND = Symbol.for("berth.DockerError");

/** Stable machine-readable codes, one per error class. */
export type DockerErrorCode =
  | "ERR_DOCKER"
  | "ERR_DOCKER_API"
  | "ERR_NO_SUCH_CONTAINER"
  | "ERR_NO_SUCH_IMAGE"
  | "ERR_CONNECTION"
  | "ERR_CONNECTION_REFUSED"
  | "ERR_INVALID_ENDPOINT"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_PROTOCOL"
  | "ERR_STREAM"
  | "ERR_INVALID_OPTION"
  | "ERR_MISSING_REPO"
  | "ERR_MISSING_OUTPUT_STREAM"
  | "ERR_VERSION"
  | "ERR_LISTENER_ALREADY_EXISTS"
  | "ERR_NO_LISTENERS"
  | "ERR_UNSUPPORTED_RUNTIME"
  | "ERR_CONTEXT_NOT_FOUND"
  | "ERR_CONFIG"
  | "ERR_CREDENTIAL_HELPER"
  | "ERR_BUILD_CONTEXT";

/** What the failing request was, with credentials already removed. */
export interface RequestSummary {
  method: string;
  /** Path and query as sent, e.g. `/v1.12/containers/abc/json`. */
  path: string;
}

/** Root of every error berth throws. */
export class DockerError extends Error {
  override name: string = "DockerError";
  readonly code: DockerErrorCode = "ERR_DOCKER";
  /** The request that failed, when there was one. */
  request?: RequestSummary;

  constructor(message: string, options?: { cause?: unknown; request?: RequestSummary }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.request) this.request = options.request;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any berth error, even one thrown by another copy of the package. */
export function isDockerError(value: unknown): value is DockerError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The daemon answered with an HTTP error status. Mirrors the Go client's `*docker.Error`. */
export class DockerApiError extends DockerError {
  override name = "DockerApiError";
  override readonly code: DockerErrorCode = "ERR_DOCKER_API";
  /** HTTP status the daemon answered with. */
  readonly status: number;
  /** The daemon's own message (text body of old daemons, `message` of JSON bodies). */
  readonly daemonMessage: string;

  constructor(status: number, daemonMessage: string, options?: { cause?: unknown; request?: RequestSummary }) {
    const where = options?.request ? ` (${options.request.method} ${options.request.path})` : "";
    super(`Docker API error ${status}: ${daemonMessage || "(empty body)"}${where}`, options);
    this.status = status;
    this.daemonMessage = daemonMessage;
  }
}

/** 404 for a container. The Go client's `NoSuchContainer`. */
export class NoSuchContainerError extends DockerApiError {
  override name = "NoSuchContainerError";
  override readonly code = "ERR_NO_SUCH_CONTAINER";
  readonly id: string;
  constructor(id: string, daemonMessage = `No such container: ${id}`, options?: { cause?: unknown; request?: RequestSummary }) {
    super(404, daemonMessage, options);
    this.id = id;
    this.message = `No such container: ${id}`;
  }
}

/** 404 for an image. The Go client's `ErrNoSuchImage`. */
export class NoSuchImageError extends DockerApiError {
  override name = "NoSuchImageError";
  override readonly code = "ERR_NO_SUCH_IMAGE";
  readonly image: string;
  constructor(image: string, daemonMessage = `No such image: ${image}`, options?: { cause?: unknown; request?: RequestSummary }) {
    super(404, daemonMessage, options);
    this.image = image;
    this.message = `No such image: ${image}`;
  }
}

/** The daemon could not be reached or the connection broke. */
export class DockerConnectionError extends DockerError {
  override name = "DockerConnectionError";
  override readonly code: DockerErrorCode = "ERR_CONNECTION";
  /** The endpoint that was dialled, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  /** The system error code when there is one (`ECONNRESET`, `ENOENT`, ...). */
  readonly syscallCode?: string;
  constructor(message: string, endpoint: string, options?: { cause?: unknown; request?: RequestSummary; syscallCode?: string }) {
    super(message, options);
    this.endpoint = endpoint;
    if (options?.syscallCode) this.syscallCode = options.syscallCode;
  }
}

/** Nothing listens at the endpoint. The Go client's `ErrConnectionRefused`. */
export class ConnectionRefusedError extends DockerConnectionError {
  override name = "ConnectionRefusedError";
  override readonly code = "ERR_CONNECTION_REFUSED";
}

/** The endpoint string cannot be used. The Go client's `ErrInvalidEndpoint`. */
export class InvalidEndpointError extends DockerError {
  override name = "InvalidEndpointError";
  override readonly code: DockerErrorCode = "ERR_INVALID_ENDPOINT";
  readonly endpoint: string;
  constructor(endpoint: string, reason: string) {
    super(`invalid Docker endpoint ${JSON.stringify(endpoint)}: ${reason}`);
    this.endpoint = endpoint;
  }
}

/** A connect or response-headers timeout fired. */
export class DockerTimeoutError extends DockerError {
  override name = "DockerTimeoutError";
  override readonly code = "ERR_TIMEOUT";
  readonly phase: "connect" | "headers";
  readonly timeoutMs: number;
  constructor(phase: "connect" | "headers", timeoutMs: number, options?: { cause?: unknown; request?: RequestSummary }) {
    super(`Docker ${phase} timeout after ${timeoutMs} ms`, options);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. `cause` holds the signal's reason. */
export class DockerAbortError extends DockerError {
  override name = "DockerAbortError";
  override readonly code = "ERR_ABORTED";
  constructor(options?: { cause?: unknown; request?: RequestSummary }) {
    super("The Docker operation was aborted", options);
  }
}

/** The daemon sent bytes that break the wire protocol (bad HTTP head, bad frame, bad JSON). */
export class DockerProtocolError extends DockerError {
  override name = "DockerProtocolError";
  override readonly code = "ERR_PROTOCOL";
}

/** The daemon reported a failure inside a stream (`errorDetail` of build/pull/push, a system-error frame). */
export class DockerStreamError extends DockerError {
  override name = "DockerStreamError";
  override readonly code = "ERR_STREAM";
  /** The `errorDetail.code` the daemon sent, if any. */
  readonly detailCode?: number;
  constructor(message: string, options?: { cause?: unknown; request?: RequestSummary; detailCode?: number }) {
    super(message, options);
    if (options?.detailCode !== undefined) this.detailCode = options.detailCode;
  }
}

/** An option was rejected before any request left the process. */
export class InvalidOptionError extends DockerError {
  override name = "InvalidOptionError";
  override readonly code: DockerErrorCode = "ERR_INVALID_OPTION";
  readonly option: string;
  constructor(option: string, reason: string) {
    super(`invalid option ${option}: ${reason}`);
    this.option = option;
  }
}

/** A push or pull named no repository. The Go client's `ErrMissingRepo`. */
export class MissingRepoError extends InvalidOptionError {
  override name = "MissingRepoError";
  override readonly code = "ERR_MISSING_REPO";
  constructor() {
    super("repository", "a repository name is required, e.g. registry.example.com/team/app");
  }
}

/** No API version both sides accept. */
export class DockerVersionError extends DockerError {
  override name = "DockerVersionError";
  override readonly code = "ERR_VERSION";
}

/** Maps a Node/Bun/Deno socket error to the matching berth error. */
export function connectionErrorFrom(error: unknown, endpoint: string, request?: RequestSummary): DockerError {
  if (isDockerError(error)) return error;
  const code = syscallCodeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const options = { cause: error, ...(request ? { request } : {}), ...(code ? { syscallCode: code } : {}) };
  if (code === "ECONNREFUSED" || code === "ENOENT" || /connection refused|no such file|not found/i.test(detail)) {
    return new ConnectionRefusedError(`cannot connect to Docker endpoint ${endpoint}: ${detail}`, endpoint, options);
  }
  return new DockerConnectionError(`connection to Docker endpoint ${endpoint} failed: ${detail}`, endpoint, options);
}

function syscallCodeOf(error: unknown): string | undefined {
  let e: unknown = error;
  // Runtimes nest the system error differently (undici/Bun put it in `cause`, Deno in `name`).
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    const name = (e as { name?: unknown }).name;
    if (name === "ConnectionRefused") return "ECONNREFUSED";
    if (name === "NotFound") return "ENOENT";
    if (name === "ConnectionReset") return "ECONNRESET";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
