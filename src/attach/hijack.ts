/**
 * The hijack seam: one HTTP/1.1 request written by hand over `transport.connect()`, after
 * which the connection carries the container's raw bytes both ways. Attach uses it, and so
 * will exec start on API versions that upgrade.
 *
 * The request asks for an upgrade (`Connection: Upgrade`, `Upgrade: tcp`); daemons answer
 * `101 UPGRADED` (and older ones, or any without the upgrade hint, a plain `200` followed by
 * the stream until close), both with `Content-Type: application/vnd.docker.raw-stream` on
 * Docker 20.10 at API 1.12 and 1.41 (the v1.41 spec, "Hijacking"). Error answers come as an
 * ordinary HTTP head and become berth's typed errors.
 */
import { BERTH_VERSION, serializeDockerPath, serializeDockerQuery, type DockerApi } from "../api.js";
import { HttpHeadParser, headerValue, type HttpResponseHead } from "../codecs/http-head.js";
import {
  DockerAbortError,
  DockerApiError,
  DockerTimeoutError,
  InvalidOptionError,
  isDockerError,
  redactPath,
  type RequestSummary,
} from "../errors.js";
import { hostHeaderOf } from "../docker-host.js";
import { apiErrorFromResponse, validateHeaderValue } from "../middleware.js";
import { framedBody, prependBytes, readBoundedBody } from "./http-body.js";

/** What a hijacked request needs from the client. */
export type HijackClient = Pick<DockerApi<any>, "transport" | "versionedPath"> &
  Partial<Pick<DockerApi<any>, "userAgent" | "headersTimeoutMs">>;

/** One request whose connection is taken over. */
export interface HijackRequest {
  /** Default `POST`. */
  method?: string | undefined;
  /** Unversioned path template, e.g. `/containers/{id}/attach`; the API version prefix is added. */
  path: string;
  /** Values for the `{placeholders}` of `path`, each encoded as one path segment. */
  pathParams?: Record<string, unknown> | undefined;
  /** Query parameters, in Docker's conventions (booleans as 1/0, objects as JSON). */
  query?: Record<string, unknown> | undefined;
  /** A JSON request body (exec start's `{Detach, Tty}`). */
  body?: unknown;
  /** Extra request headers. */
  headers?: Record<string, string> | undefined;
  /** Aborts the connection, during the request and for the life of the hijacked stream. */
  signal?: AbortSignal | undefined;
}

/** The taken-over connection: the daemon's answer and the two byte directions. */
export interface HijackedConnection {
  /** 101 when the daemon upgraded, 200 (or another 2xx) when it answered plainly. */
  readonly status: number;
  readonly head: HttpResponseHead;
  /** The answer's `Content-Type`, e.g. `application/vnd.docker.raw-stream`. */
  readonly contentType: string | undefined;
  /** Bytes from the daemon after the head (bytes that arrived with the head come first). */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the daemon. `close()` half-closes (EOF to the container), `abort()` drops the connection. */
  readonly writable: WritableStream<Uint8Array>;
  /** Drops the connection in both directions. */
  close(): void;
  /** Settles once the connection is fully closed. */
  readonly closed: Promise<void>;
  /** The request as sent, for error messages. */
  readonly request: RequestSummary;
}

/** Bounds of an error answer's text. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const ERROR_BODY_TIMEOUT_MS = 5_000;

/**
 * Sends `request` on a fresh connection and returns it once the daemon accepted the hijack.
 * @throws the typed API error for an error answer (`NoSuchContainerError` for a 404 on
 *   `/containers/{id}/...`), `DockerProtocolError` for an answer that is not HTTP, and
 *   `DockerAbortError` when `signal` fires first.
 */
export async function hijack(docker: HijackClient, request: HijackRequest): Promise<HijackedConnection> {
  const { signal } = request;
  if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
  const method = (request.method ?? "POST").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new InvalidOptionError("method", `${JSON.stringify(request.method)} is not an HTTP method`);
  const query = serializeDockerQuery(request.query);
  const path = (await docker.versionedPath(serializeDockerPath(request.path, request.pathParams), signal)) + (query ? `?${query}` : "");
  const summary: RequestSummary = { method, path: redactPath(path) };
  const endpoint = docker.transport.endpoint;

  const headers: [string, string][] = [
    ["Host", hostHeaderOf(endpoint)],
    ["User-Agent", docker.userAgent ?? `berth/${BERTH_VERSION}`],
    ["Connection", "Upgrade"],
    ["Upgrade", "tcp"],
  ];
  let body: Uint8Array | undefined;
  if (request.body !== undefined) {
    body = new TextEncoder().encode(JSON.stringify(request.body));
    headers.push(["Content-Type", "application/json"], ["Content-Length", String(body.length)]);
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\0\r\n]/.test(value)) {
      throw new InvalidOptionError("headers", `invalid header ${JSON.stringify(name)}`);
    }
    const index = headers.findIndex(([existing]) => existing.toLowerCase() === name.toLowerCase());
    if (index >= 0) headers.splice(index, 1);
    headers.push([name, value]);
  }
  // Every value goes into the head as is: the User-Agent of a client not made by createDockerApi too.
  for (const [name, value] of headers) validateHeaderValue(name === "User-Agent" ? "userAgent" : "headers", value);
  const basePath = endpoint.kind === "tcp" ? endpoint.basePath : "";
  const headText = `${method} ${basePath}${path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
  const headBytes = new TextEncoder().encode(headText);

  const conn = await docker.transport.connect({ signal });
  const reader = conn.readable.getReader();
  // The client's response-head timeout covers the wait for the daemon's answer, not the stream.
  const timeoutMs = docker.headersTimeoutMs ?? 0;
  let timedOut = false;
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          conn.close();
        }, timeoutMs)
      : undefined;
  try {
    const writer = conn.writable.getWriter();
    await writer.write(body ? concat(headBytes, body) : headBytes);
    writer.releaseLock();

    let { head, rest } = await readHead(reader, new HttpHeadParser());
    // Interim answers (100 Continue and the like) precede the real one; 101 is the real one.
    while (head.status < 200 && head.status !== 101) {
      ({ head, rest } = await readHead(reader, new HttpHeadParser(), rest));
    }
    clearTimeout(timer);
    // Released so that the session's reader can take the connection directly (DIRECT_BODY).
    reader.releaseLock();
    const stream = prependBytes(rest, conn.readable);
    if (head.status === 101 || (head.status >= 200 && head.status < 300)) {
      return {
        status: head.status,
        head,
        contentType: headerValue(head, "content-type"),
        readable: head.status === 101 ? stream : framedBody(head, stream),
        writable: conn.writable,
        close: () => conn.close(),
        closed: conn.closed,
        request: summary,
      };
    }
    const text = await readBoundedBody(framedBody(head, stream), MAX_ERROR_BODY_BYTES, ERROR_BODY_TIMEOUT_MS);
    conn.close();
    const nullBody = head.status === 304 || head.status === 204 || head.status === 205;
    throw await apiErrorFromResponse(
      new Response(nullBody ? null : (text as Uint8Array<ArrayBuffer>), { status: head.status }),
      summary,
      request.path,
      request.pathParams,
    );
  } catch (error) {
    clearTimeout(timer);
    conn.close();
    if (timedOut) throw new DockerTimeoutError("headers", timeoutMs, { cause: error, request: summary });
    throw translate(error, signal, summary);
  }
}

async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  parser: HttpHeadParser,
  first?: Uint8Array,
): Promise<{ head: HttpResponseHead; rest: Uint8Array }> {
  if (first && first.length > 0) {
    const parsed = parser.push(first);
    if (parsed) return parsed;
  }
  for (;;) {
    const { done, value } = await reader.read();
    if (done) parser.end();
    const parsed = parser.push(value);
    if (parsed) return parsed;
  }
}

/** A failure after the caller aborted is the abort (the runtime reports it as a closed socket), unless the daemon had answered. */
function translate(error: unknown, signal: AbortSignal | undefined, request: RequestSummary): unknown {
  if (signal?.aborted && !(error instanceof DockerApiError)) return new DockerAbortError({ cause: signal.reason, request });
  if (isDockerError(error) && error.request === undefined) error.request = request;
  return error;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
