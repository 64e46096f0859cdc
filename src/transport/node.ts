/**
 * Node transport: `node:http` / `node:https` with a keep-alive agent for requests,
 * `node:net` / `node:tls` sockets for raw connections.
 *
 * Why not Node's global fetch: undici's fetch cannot dial a unix socket without a custom
 * dispatcher, and measured on the daemon here it reached about half the request rate of a
 * keep-alive `node:http` client (bench/ has the side-by-side numbers).
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { formatEndpoint } from "../docker-host.js";
import {
  DockerAbortError,
  DockerProtocolError,
  DockerTimeoutError,
  InvalidEndpointError,
  connectionErrorFrom,
  redactPath,
  type RequestSummary,
} from "../errors.js";
import { BufferedResponse, type RequestBody, type TransportRequest } from "./messages.js";
import { NodeStreamedResponse } from "./node-response.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import {
  BUFFER_SMALL_BODY_BYTES,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ConnectOptions,
  type RawConnection,
  type Transport,
  type TransportOptions,
} from "./types.js";

/** Creates the Node transport for one endpoint. */
export function createNodeTransport(options: TransportOptions): Transport {
  const { endpoint } = options;
  const endpointText = formatEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const headersTimeoutMs = options.headersTimeoutMs ?? 0;
  const isTls = endpoint.kind === "tcp" && endpoint.tls !== undefined;
  const tlsOptions = endpoint.kind === "tcp" && endpoint.tls ? nodeTlsOptions(endpoint.tls, endpoint.host) : {};
  // Made once: unusable PEM is refused here as InvalidEndpointError (tls.connect would throw a
  // bare Error on every request), and every connection reuses the one context.
  if (isTls) tlsOptions.secureContext = checkedTlsMaterial(tlsOptions, endpointText);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: "lifo" as const };
  const agent = isTls ? new https.Agent({ ...agentOptions, ...tlsOptions }) : new http.Agent(agentOptions);
  const basePath = endpoint.kind === "tcp" ? endpoint.basePath : "";
  const hostHeader =
    endpoint.kind === "unix" ? "docker" : `${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;

  function fetch(request: TransportRequest): Promise<Response> {
    const url = new URL(request.url);
    const path = basePath + url.pathname + url.search;
    const summary: RequestSummary = { method: request.method, path: redactPath(path) };
    const signal = request.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(new DockerAbortError({ cause: signal.reason, request: summary }));

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      let headersTimer: ReturnType<typeof setTimeout> | undefined;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(headersTimer);
        reject(error);
      };
      const headers: Record<string, string | string[]> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // The endpoint's own host:port for TCP (what a reverse proxy routes by), as the hijack and
      // the Bun/Deno transports send; request URLs all carry the placeholder origin http://docker.
      if (!headers["host"]) headers["host"] = hostHeader;

      const req = (isTls ? https : http).request({
        agent,
        method: request.method,
        path,
        headers,
        ...(endpoint.kind === "unix" ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
        ...(isTls ? tlsOptions : {}),
      });

      const onAbort = () => {
        const error = new DockerAbortError({ cause: signal?.reason, request: summary });
        req.destroy(error);
        fail(error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      req.on("socket", (socket) => {
        if (connectTimeoutMs > 0 && (socket as net.Socket).connecting) {
          const timer = setTimeout(() => {
            const error = new DockerTimeoutError("connect", connectTimeoutMs, { request: summary });
            req.destroy(error);
            fail(error);
          }, connectTimeoutMs);
          socket.once(isTls ? "secureConnect" : "connect", () => clearTimeout(timer));
          socket.once("close", () => clearTimeout(timer));
        }
      });
      if (headersTimeoutMs > 0) {
        headersTimer = setTimeout(() => {
          const error = new DockerTimeoutError("headers", headersTimeoutMs, { request: summary });
          req.destroy(error);
          fail(error);
        }, headersTimeoutMs);
      }

      req.on("error", (error) => {
        signal?.removeEventListener("abort", onAbort);
        fail(
          error instanceof DockerAbortError || error instanceof DockerTimeoutError
            ? error
            : connectionErrorFrom(error, endpointText, summary),
        );
      });

      // A 101 to a request that asked for no upgrade: without an 'upgrade' listener Node drops
      // the socket and never settles the request, so the call would hang forever.
      req.on("upgrade", (res: http.IncomingMessage, socket: net.Socket) => {
        socket.destroy();
        signal?.removeEventListener("abort", onAbort);
        fail(
          new DockerProtocolError(`the daemon answered a plain request with ${res.statusCode} ${res.statusMessage ?? ""}`.trim(), {
            request: summary,
          }),
        );
      });

      req.on("response", (res) => {
        clearTimeout(headersTimer);
        toResponse(res, request, signal, onAbort, endpointText, summary).then(
          (response) => {
            if (settled) {
              res.destroy();
              return;
            }
            settled = true;
            resolve(response);
          },
          (error) => fail(error),
        );
      });

      writeBody(req, request).catch((error) => {
        req.destroy(error);
        fail(isAbortLike(error) ? new DockerAbortError({ cause: error, request: summary }) : error);
      });
    });
  }

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = connectOptions?.signal;
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const socket: net.Socket =
      endpoint.kind === "unix"
        ? net.connect({ path: endpoint.socketPath, allowHalfOpen: true })
        : isTls
          ? tls.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, ...tlsOptions } as tls.ConnectionOptions)
          : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    await waitForConnect(socket, { secure: isTls, connectTimeoutMs, signal, endpointText });
    socket.setNoDelay(true);
    return nodeSocketToRaw(socket, endpointText, signal);
  }

  async function close(): Promise<void> {
    agent.destroy();
  }

  return { endpoint, fetch, connect, close };
}

/** Node's TLS option names for berth's TLS options. */
function nodeTlsOptions(options: NonNullable<import("../docker-host.js").TlsOptions>, host: string): tls.ConnectionOptions {
  const result: tls.ConnectionOptions = { rejectUnauthorized: options.verify !== false };
  if (options.ca !== undefined) result.ca = toPem(options.ca);
  if (options.cert !== undefined) result.cert = toPem(options.cert);
  if (options.key !== undefined) result.key = toPem(options.key);
  // Always set: without it Node's agent takes the name to verify from the Host header
  // (`calculateServerName` in _http_agent), and "" for an IP makes tls.connect check the IP
  // itself against the certificate's IP SANs without sending SNI (which cannot carry an IP).
  result.servername = options.servername ?? (net.isIP(host) ? "" : host);
  return result;
}

/**
 * The secure context for the endpoint's CA, certificate and key.
 * @throws InvalidEndpointError when OpenSSL cannot use them (its message names the problem, never the PEM).
 */
export function checkedTlsMaterial(options: tls.SecureContextOptions, endpointText: string): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (error) {
    throw new InvalidEndpointError(
      endpointText,
      `its TLS material cannot be used (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error instanceof DockerAbortError);
}

/** Writes the request body into `req`: whole bodies with a Content-Length, streams chunked with backpressure. */
async function writeBody(req: http.ClientRequest, request: TransportRequest): Promise<void> {
  const body = request.body;
  if (body === null || body === undefined) {
    req.end();
    return;
  }
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const bytes = typeof body === "string" ? Buffer.from(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
    if (!req.hasHeader("content-length")) req.setHeader("content-length", String(bytes.byteLength));
    req.end(bytes);
    return;
  }
  const source: AsyncIterable<Uint8Array> =
    body instanceof Blob ? (body.stream() as unknown as AsyncIterable<Uint8Array>) : toAsyncIterable(body);
  for await (const chunk of source) {
    if (req.destroyed) throw new Error("request closed while sending the body");
    if (!req.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          req.off("close", onClose);
          resolve();
        };
        const onClose = () => {
          req.off("drain", onDrain);
          reject(new Error("request closed while sending the body"));
        };
        req.once("drain", onDrain);
        req.once("close", onClose);
      });
    }
  }
  req.end();
}

function toAsyncIterable(body: Exclude<RequestBody, string | Uint8Array | ArrayBuffer | Blob>): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in body) return body as AsyncIterable<Uint8Array>;
  const stream = body as ReadableStream<Uint8Array>;
  return {
    async *[Symbol.asyncIterator]() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

/** Wraps an IncomingMessage as a web Response; small known-length bodies are buffered whole. */
function toResponse(
  res: http.IncomingMessage,
  request: TransportRequest,
  signal: AbortSignal | undefined,
  onAbort: () => void,
  endpointText: string,
  summary: RequestSummary,
): Promise<Response> {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const init = { status, statusText: res.statusMessage ?? "", headers };
  const noBody = request.method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) {
    res.resume();
    signal?.removeEventListener("abort", onAbort);
    return Promise.resolve(new BufferedResponse(null, init) as unknown as Response);
  }
  const length = Number(res.headers["content-length"]);
  // Node reports a request destroyed by the caller's abort as the response's own "aborted"
  // (ECONNRESET) error, not the DockerAbortError it was destroyed with: the signal decides.
  const midStreamError = (error: unknown) =>
    error instanceof DockerAbortError
      ? error
      : signal?.aborted
        ? new DockerAbortError({ cause: signal.reason, request: summary })
        : connectionErrorFrom(error ?? new Error("connection closed before the body ended"), endpointText, summary);

  if (Number.isFinite(length) && length <= BUFFER_SMALL_BODY_BYTES) {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => {
        signal?.removeEventListener("abort", onAbort);
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve(new BufferedResponse(body.byteLength === 0 ? null : body, init) as unknown as Response);
      });
      res.once("error", (error) => reject(midStreamError(error)));
      res.once("close", () => {
        if (!res.complete) reject(midStreamError(undefined));
      });
    });
  }

  let finished = false;
  const settle = () => {
    finished = true;
    signal?.removeEventListener("abort", onAbort);
  };
  // Until someone reads the body, its errors are kept on `res` (res.errored) and reported to
  // the reader then; without a listener an 'error' event would crash the process.
  res.on("error", () => {});
  const makeStream = () =>
    new ReadableStream<Uint8Array>(
      {
        start(controller) {
          if (res.destroyed && !res.complete) {
            settle();
            controller.error(midStreamError(res.errored ?? undefined));
            return;
          }
          res.on("data", (chunk: Buffer) => {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 1) <= 0) res.pause();
          });
          res.once("end", () => {
            settle();
            controller.close();
          });
          const error = (cause: unknown) => {
            if (finished) return;
            settle();
            controller.error(midStreamError(cause));
          };
          res.once("error", error);
          res.once("close", () => {
            if (!res.complete) error(res.errored ?? undefined);
          });
        },
        pull() {
          res.resume();
        },
        cancel() {
          settle();
          res.destroy();
        },
      },
      { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
    );
  return Promise.resolve(new NodeStreamedResponse(res, init, makeStream, midStreamError, settle) as unknown as Response);
}
