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
  | "ERR_NO_SUCH_EXEC"
  | "ERR_NO_SUCH_ROUTE"
  | "ERR_CONNECTION"
  | "ERR_CONNECTION_REFUSED"
  | "ERR_TLS"
  | "ERR_SSH"
  | "ERR_INVALID_ENDPOINT"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_PROTOCOL"
  | "ERR_FRAMING"
  | "ERR_STREAM"
  | "ERR_INVALID_OPTION"
  | "ERR_MISSING_REPO"
  | "ERR_MISSING_OUTPUT_STREAM"
  | "ERR_VERSION"
  | "ERR_LISTENER_ALREADY_EXISTS"
  | "ERR_NO_LISTENERS"
  | "ERR_UNSUPPORTED_RUNTIME"
  | "ERR_CONTEXT_NOT_FOUND"
  | "ERR_NO_DOCKER_SOCKET"
  | "ERR_CONFIG"
  | "ERR_CREDENTIAL_HELPER"
  | "ERR_BUILD_CONTEXT"
  | "ERR_WAIT"
  | "ERR_SWARM_UNAVAILABLE"
  | "ERR_SERVICE_UPDATE_FAILED"
  | "ERR_SWARM_WAIT_TIMEOUT";

/** What the failing request was, with credentials already removed (headers are never part of it). */
export interface RequestSummary {
  method: string;
  /** Path and query as sent, e.g. `/v1.12/containers/abc/json`, passed through `redactPath`. */
  path: string;
}

/**
 * `path` (with its query) as it may appear in an error: the user info of URL-valued query
 * parameters (`remote` of build, `fromSrc` of import: `https://user:token@host/...`) and the
 * values of build's `buildargs` (where tokens end up, whatever the docs advise) become `***`.
 * Cheap when there is nothing to redact: the query is only parsed if it holds an `@` or buildargs.
 */
export function redactPath(path: string): string {
  const q = path.indexOf("?");
  if (q < 0) return path;
  const query = path.slice(q + 1);
  if (!query.includes("%40") && !query.includes("@") && !query.includes("buildargs=")) return path;
  let changed = false;
  const params = query.split("&").map((param) => {
    const eq = param.indexOf("=");
    if (eq < 0) return param;
    let value: string;
    try {
      value = decodeURIComponent(param.slice(eq + 1));
    } catch {
      return param;
    }
    let redacted = redactUrlCredentials(value);
    if (param.slice(0, eq) === "buildargs") {
      try {
        const args = JSON.parse(value) as Record<string, unknown>;
        redacted = JSON.stringify(Object.fromEntries(Object.keys(args).map((key) => [key, "***"])));
      } catch {
        redacted = "***";
      }
    }
    if (redacted === value) return param;
    changed = true;
    return `${param.slice(0, eq + 1)}${encodeURIComponent(redacted)}`;
  });
  return changed ? `${path.slice(0, q)}?${params.join("&")}` : path;
}

const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;

/**
 * `text` with the user info of every URL in it (`https://user:token@host`) replaced by `***`.
 * Applied to every error message and daemon message: dockerd quotes URLs it was given
 * (a build's `remote`, an import's `fromSrc`) with their password in its error texts.
 */
export function redactUrlCredentials(text: string): string {
  return text.includes("@") ? text.replace(URL_USER_INFO, "$1***@") : text;
}

/**
 * A short description of any value for an error message, that never throws (issue 16 item 7:
 * `JSON.stringify` throws on a BigInt or a cycle, template literals on a Symbol, and an object's
 * own `toString` may throw). Strings are quoted with control characters escaped.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string": {
      const cut = value.length > 60 ? `${value.slice(0, 60)}…` : value;
      return JSON.stringify(cut);
    }
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value.toString()}n (a BigInt)`;
    case "symbol":
      return `a Symbol (${String(value.description ?? "")})`;
    case "function":
      return "a function";
    case "undefined":
      return "undefined";
    default: {
      if (value === null) return "null";
      if (Array.isArray(value)) return "an array";
      let name: unknown;
      try {
        name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      } catch {
        name = undefined;
      }
      if (typeof name !== "string" || name === "" || name === "Object") return "an object";
      return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
    }
  }
}

/** Root of every error berth throws. */
export class DockerError extends Error {
  override name: string = "DockerError";
  readonly code: DockerErrorCode = "ERR_DOCKER";
  /** The request that failed, when there was one. */
  request?: RequestSummary;

  constructor(message: string, options?: { cause?: unknown; request?: RequestSummary }) {
    super(redactUrlCredentials(message), options?.cause === undefined ? undefined : { cause: options.cause });
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
    this.daemonMessage = redactUrlCredentials(daemonMessage);
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

/**
 * 404 because the daemon has no such endpoint, not because an object is missing: its router's
 * own answer ("page not found" from dockerd, "Not Found" from podman, which lacks for example
 * `/containers/{id}/update`). The object named in the path may well exist.
 */
export class NoSuchRouteError extends DockerApiError {
  override name = "NoSuchRouteError";
  override readonly code = "ERR_NO_SUCH_ROUTE";
  constructor(daemonMessage: string, options?: { cause?: unknown; request?: RequestSummary }) {
    super(404, daemonMessage, options);
    const what = options?.request ? `${options.request.method} ${options.request.path}` : "this request";
    this.message = `the daemon has no endpoint for ${what} (404 ${daemonMessage || "(empty body)"}); it does not implement this call at this API version`;
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

/** Why a TLS connection failed, as far as the runtime's error tells. */
export type TlsFailure =
  /** The daemon refused the handshake: it wants a client certificate signed by a CA it trusts. */
  | "client-certificate-refused"
  /** The daemon's certificate does not chain to the CA berth was given (`tls.ca`). */
  | "untrusted-certificate"
  /** The daemon's certificate does not name the host that was dialled (or `tls.servername`). */
  | "hostname-mismatch"
  /** Any other handshake failure (no TLS on that port, no common protocol version, ...). */
  | "handshake-failed";

/** The TLS handshake with the daemon failed; `failure` says which side refused and why. */
export class DockerTlsError extends DockerConnectionError {
  override name = "DockerTlsError";
  override readonly code = "ERR_TLS";
  readonly failure: TlsFailure;
  constructor(
    failure: TlsFailure,
    message: string,
    endpoint: string,
    options?: { cause?: unknown; request?: RequestSummary; syscallCode?: string },
  ) {
    super(message, endpoint, options);
    this.failure = failure;
  }
}

/** Why an ssh connection failed, as ssh's stderr and exit status tell. */
export type SshFailure =
  /** The remote host key is unknown or changed (known_hosts), or cannot be checked without a prompt. */
  | "host-key"
  /** The remote refused every key (or wants a password, which BatchMode never gives). */
  | "auth"
  /** The host could not be reached: refused, timed out, unresolvable, no route. */
  | "unreachable"
  /** The remote has no `docker` CLI to run `docker system dial-stdio` (nor socat / nc as a fallback). */
  | "no-docker"
  /** The remote printed something that is not HTTP on the tunnel (a login banner on stdout, a shell rc). */
  | "unexpected-output"
  /** The ssh binary is missing on this machine. */
  | "no-ssh"
  /** The ssh process ended (killed, the connection dropped, the remote command failed). */
  | "exited";

/**
 * The ssh process of an `ssh://` endpoint failed. `stderr` is what ssh (or the remote command)
 * printed, bounded to a few KiB; `exitCode`/`signal` how the process ended.
 */
export class DockerSshError extends DockerConnectionError {
  override name = "DockerSshError";
  override readonly code = "ERR_SSH";
  readonly kind: SshFailure;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(
    kind: SshFailure,
    message: string,
    endpoint: string,
    details: { stderr: string; exitCode: number | null; signal: string | null; cause?: unknown; request?: RequestSummary },
  ) {
    super(message, endpoint, {
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
      ...(details.request ? { request: details.request } : {}),
    });
    this.kind = kind;
    this.stderr = details.stderr;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
  }
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

/** The bound a `DockerTimeoutError` reports. */
export type DockerTimeoutPhase = "connect" | "headers" | "response" | "idle";

/** A connect, response-head, whole-response or body-idle timeout fired. */
export class DockerTimeoutError extends DockerError {
  override name = "DockerTimeoutError";
  override readonly code = "ERR_TIMEOUT";
  /**
   * What ran out: `connect` (opening the connection), `headers` (waiting for the response
   * head), `response` (the whole answer), `idle` (silence between two reads of a body).
   */
  readonly phase: DockerTimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: DockerTimeoutPhase, timeoutMs: number, options?: { cause?: unknown; request?: RequestSummary }) {
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
  override readonly code: DockerErrorCode = "ERR_PROTOCOL";
}

/**
 * A multiplexed stream (attach, exec, logs) whose frame headers do not add up: a type byte
 * that is no stream, non-zero padding, or a length beyond the sanity bound. `offset` is where
 * in the stream the bad header starts and `header` its bytes, so the fault can be told apart
 * from a TTY stream read as multiplexed (a bad header at offset 0).
 */
export class DockerFramingError extends DockerProtocolError {
  override name = "DockerFramingError";
  override readonly code = "ERR_FRAMING";
  /** Byte offset of the bad header in the stream. */
  readonly offset: number;
  /** The header's bytes as received (up to 8). */
  readonly header: Uint8Array;
  constructor(problem: string, offset: number, header: Uint8Array) {
    const hex = Array.from(header, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const hint =
      offset === 0
        ? " at the start of the stream (is the container's TTY setting right? a TTY stream is not multiplexed)"
        : ` at byte ${offset}: the frame lengths the daemon declared do not match the bytes it sent`;
    super(`bad multiplexed frame header [${hex}]: ${problem}${hint}`);
    this.offset = offset;
    this.header = header;
  }
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

/**
 * A wait ended without what it waited for: the daemon's wait reported an error
 * (`{"Error":{"Message":...}}`), or a health wait saw the container exit, turn unhealthy or
 * not become healthy in time.
 */
export class DockerWaitError extends DockerError {
  override name = "DockerWaitError";
  override readonly code = "ERR_WAIT";
  /** The container waited for. */
  readonly container: string;
  /** The exit code, when the daemon reported one. */
  readonly exitCode?: number;
  constructor(container: string, message: string, options?: { cause?: unknown; request?: RequestSummary; exitCode?: number }) {
    super(message, options);
    this.container = container;
    if (options?.exitCode !== undefined) this.exitCode = options.exitCode;
  }
}

/**
 * Maps a Node/Bun/Deno socket error to the matching berth error: `ConnectionRefusedError`,
 * `DockerTlsError` (TLS endpoints only), `DockerProtocolError` for an answer the runtime's HTTP
 * parser rejects, else `DockerConnectionError`. The message quotes the nested causes too,
 * since Bun and Deno put the useful part there (Deno: `fetch failed` / `received fatal alert`).
 */
export function connectionErrorFrom(error: unknown, endpoint: string, request?: RequestSummary): DockerError {
  if (isDockerError(error)) return error;
  const code = syscallCodeOf(error);
  const detail = describeError(error);
  const options = { cause: error, ...(request ? { request } : {}), ...(code ? { syscallCode: code } : {}) };
  // Node's llhttp (`HPE_*` codes), Bun (`Malformed_HTTP_Response`, `UnrequestedUpgrade`) and
  // Deno's hyper ("invalid HTTP version parsed", ...) each name a peer that does not speak HTTP.
  const codes = errorCodes(error);
  if (
    codes.some((c) => c.startsWith("HPE_") || c === "Malformed_HTTP_Response" || c === "UnrequestedUpgrade") ||
    /invalid HTTP (version|status-code|header|method) parsed|message head is too large/.test(detail)
  ) {
    return new DockerProtocolError(`the answer of Docker endpoint ${endpoint} is not valid HTTP: ${detail}`, options);
  }
  if (endpoint.startsWith("https://")) {
    const tls = tlsFailureOf(`${codes.join(" ")} ${detail}`);
    if (tls) return new DockerTlsError(tls, `${TLS_MESSAGES[tls](endpoint)} (${detail})`, endpoint, options);
  }
  if (code === "ECONNREFUSED" || code === "ENOENT" || /connection refused|no such file|not found/i.test(detail)) {
    return new ConnectionRefusedError(`cannot connect to Docker endpoint ${endpoint}: ${detail}`, endpoint, options);
  }
  return new DockerConnectionError(`connection to Docker endpoint ${endpoint} failed: ${detail}`, endpoint, options);
}

const TLS_MESSAGES: Record<TlsFailure, (endpoint: string) => string> = {
  "client-certificate-refused": (e) =>
    `the TLS handshake with Docker endpoint ${e} was refused: the daemon requires a client certificate signed by a CA it trusts (none was given, or it was not accepted)`,
  "untrusted-certificate": (e) =>
    `the TLS certificate of Docker endpoint ${e} is not signed by a trusted CA (give the CA that signed it as tls.ca)`,
  "hostname-mismatch": (e) =>
    `the TLS certificate of Docker endpoint ${e} does not name the host that was dialled (dial a name it has, or set tls.servername)`,
  "handshake-failed": (e) =>
    `the TLS handshake with Docker endpoint ${e} failed (does the daemon speak TLS there? does it require a client certificate?)`,
};

/**
 * Classifies a TLS failure from the error codes and messages of Node (OpenSSL), Bun
 * (BoringSSL) and Deno (rustls). Alerts the daemon sends are the client certificate refusals
 * (Go's crypto/tls answers a missing or unknown client certificate with `bad certificate`, or
 * `certificate required` in TLS 1.3); the others are berth's own verification failing.
 */
function tlsFailureOf(text: string): TlsFailure | undefined {
  if (
    /alert[ _]bad[ _]certificate|BadCertificate|certificate[ _]required|CertificateRequired|alert[ _]unknown[ _]ca|UnknownCA\b/i.test(text)
  ) {
    return "client-certificate-refused";
  }
  if (/ALTNAME|altnames|not valid for name|NotValidForName|hostname mismatch/i.test(text)) return "hostname-mismatch";
  if (
    /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|UnknownIssuer|unable to verify|self[- ]signed|certificate verify failed|invalid peer certificate/i.test(
      text,
    )
  ) {
    return "untrusted-certificate";
  }
  if (/EPROTO|ERR_SSL|SSL routines|TLS handshake|handshake failure|wrong version number|InvalidContentType|CorruptMessage/i.test(text)) {
    return "handshake-failed";
  }
  return undefined;
}

/** The message of an error and of its causes (each once), for error messages; at most 500 characters. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const text = (e instanceof Error ? e.message : String(e)).trim();
    if (text && !parts.some((part) => part.includes(text))) parts.push(text);
    e = typeof e === "object" ? (e as { cause?: unknown }).cause : undefined;
  }
  const detail = parts.join(": ") || "unknown error";
  return detail.length > 500 ? `${detail.slice(0, 500)}…` : detail;
}

/** The string `code`s along an error's cause chain. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
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
