/**
 * berth's own HTTP/1.1 client: a keep-alive pool of sockets to one endpoint, one request at a
 * time per socket. The wire format is in http1-codec.ts, one exchange's lifecycle in
 * http1-exchange.ts, the body side in http1-body.ts.
 *
 * Why not `node:http`: on the daemon here a `node:http` keep-alive client spends about twice
 * the client CPU of this one per small call (ClientRequest and IncomingMessage are streams,
 * llhttp calls into JavaScript once per header and once per body chunk). The same client runs
 * on Bun and Deno over their `node:net` (bench/ has the side-by-side numbers).
 *
 * Acquiring a connection: idle LIFO, else dial while under `maxSockets`, else queue. Idle
 * sockets are unref'd, so a pool never keeps a process alive. Sockets come from `dial`:
 * `node:net` / `node:tls` by default, or any duplex (an ssh channel) a caller supplies.
 */
import net from "node:net";
import tls from "node:tls";
import { hostHeaderOf, type Endpoint } from "../docker-host.js";
import { DockerAbortError, InvalidOptionError, redactPath, type RequestSummary } from "../errors.js";
import { pathOf, requestHead } from "./http1-codec.js";
import { Http1Connection, StaleConnection, type ConnectionOwner, type ExchangeTimeouts, type Http1Socket } from "./http1-exchange.js";
import type { TransportRequest } from "./messages.js";
import { waitForConnect } from "./node-socket.js";
import { checkSignal, checkTimeout, isFollowRequest } from "./options.js";

export type { Http1Socket } from "./http1-exchange.js";

/** What `dial` gets for one new connection. */
export interface Http1DialOptions {
  /** The caller's signal: abort the dial when it fires (the pool rejects the request itself too). */
  signal: AbortSignal | undefined;
  /** Milliseconds allowed to connect (0 = off). */
  connectTimeoutMs: number;
  /** The request the connection is for, for error messages. */
  request: RequestSummary;
}

/** Opens one connected socket for the pool; rejects with berth's typed errors. */
export type Http1Dial = (options: Http1DialOptions) => Promise<Http1Socket>;

/** What the pool needs to reach the endpoint. */
export interface Http1PoolOptions {
  endpoint: Endpoint;
  endpointText: string;
  connectTimeoutMs: number;
  /** Request sent to response head (0 = off). */
  headersTimeoutMs: number;
  /** Request sent to the end of the body, for calls that are not follow streams (0 = off). */
  responseTimeoutMs?: number | undefined;
  /** Silence between two reads of a body that is not a follow stream (0 = off). */
  streamIdleTimeoutMs?: number | undefined;
  maxSockets: number;
  /** TLS options (with the secure context made once) when the endpoint is TLS and `dial` is not given. */
  tls?: tls.ConnectionOptions | undefined;
  /** Opens the pool's sockets instead of `node:net` / `node:tls` (ssh channels, tunnels). */
  dial?: Http1Dial | undefined;
}

interface Waiter {
  resolve(connection: Http1Connection): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  summary: RequestSummary;
  onAbort(): void;
}

/** Methods safe to send again on a new connection when a reused one turned out closed. */
const RETRYABLE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The keep-alive pool of one endpoint. */
export class Http1Pool implements ConnectionOwner {
  readonly options: Http1PoolOptions;
  readonly endpointText: string;
  readonly #idle: Http1Connection[] = [];
  readonly #waiters: Waiter[] = [];
  /** Connections counted against maxSockets: dialling, busy and idle. */
  #open = 0;
  /** Set by `close()` until the next request: connections that finish are closed, not kept. */
  #closing = false;
  readonly #hostHeader: string;
  readonly #basePath: string;
  readonly #dial: Http1Dial;
  readonly #responseMs: number;
  readonly #idleMs: number;

  constructor(options: Http1PoolOptions) {
    this.options = options;
    this.endpointText = options.endpointText;
    const { endpoint } = options;
    this.#hostHeader = hostHeaderOf(endpoint);
    this.#basePath = endpoint.kind === "tcp" ? endpoint.basePath : "";
    this.#dial = options.dial ?? netDial(options);
    this.#responseMs = options.responseTimeoutMs ?? 0;
    this.#idleMs = options.streamIdleTimeoutMs ?? 0;
  }

  /** Sends one request; resolves at the response head (small known-length bodies: once read whole). */
  async fetch(request: TransportRequest): Promise<Response> {
    // Checked before anything is queued or sent: a wrong value must not wedge a connection.
    const signal = checkSignal(request.signal);
    const idle = checkTimeout("idleTimeoutMs", request.idleTimeoutMs);
    const response = checkTimeout("responseTimeoutMs", request.responseTimeoutMs);
    const path = this.#basePath + pathOf(request.url);
    const summary: RequestSummary = { method: request.method, path: redactPath(path) };
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason, request: summary });
    const head = requestHead(request, path, this.#hostHeader);
    const retryable = RETRYABLE.has(request.method) && request.body == null;
    const timeouts: ExchangeTimeouts = {
      headers: this.options.headersTimeoutMs,
      response: response ?? (this.#responseMs > 0 && !isFollowRequest(request.method, path) ? this.#responseMs : 0),
      idle,
    };
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#acquire(signal, summary);
      try {
        return await connection.exchange(request, head, path, summary, signal, timeouts);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
        if (!retryable || attempt > 0) throw error.error;
      }
    }
  }

  /** The idle bound of a request that named none: the pool's, except for follow streams. */
  defaultIdleMs(method: string, path: string): number {
    return this.#idleMs > 0 && !isFollowRequest(method, path) ? this.#idleMs : 0;
  }

  /** Destroys the idle connections; busy ones finish their exchange and are closed then. */
  close(): void {
    this.#closing = true;
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }

  #acquire(signal: AbortSignal | undefined, summary: RequestSummary): Promise<Http1Connection> {
    this.#closing = false;
    let idle: Http1Connection | undefined;
    while ((idle = this.#idle.pop())) {
      if (idle.destroyed) continue;
      idle.activate();
      return Promise.resolve(idle);
    }
    if (this.#open < this.options.maxSockets) return this.#connect(signal, summary);
    return new Promise<Http1Connection>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        summary,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(new DockerAbortError({ cause: signal?.reason, request: summary }));
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  async #connect(signal: AbortSignal | undefined, summary: RequestSummary): Promise<Http1Connection> {
    this.#open++;
    try {
      const socket = await this.#dial({ signal, connectTimeoutMs: this.options.connectTimeoutMs, request: summary });
      if (signal?.aborted) {
        socket.destroy();
        throw new DockerAbortError({ cause: signal.reason, request: summary });
      }
      return new Http1Connection(socket, this);
    } catch (error) {
      this.#open--;
      this.#next();
      throw error;
    }
  }

  /** Called by a connection whose exchange finished. */
  release(connection: Http1Connection, reusable: boolean): void {
    if (!reusable || this.#closing) {
      connection.destroy();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(connection);
      return;
    }
    connection.park();
    this.#idle.push(connection);
  }

  /** Called once by every connection when its socket closed. */
  closed(connection: Http1Connection): void {
    this.#open--;
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#next();
  }

  /** A slot freed up: dial for the first waiter. */
  #next(): void {
    if (this.#waiters.length === 0 || this.#open >= this.options.maxSockets) return;
    const waiter = this.#waiters.shift()!;
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
    this.#connect(waiter.signal, waiter.summary).then(waiter.resolve, waiter.reject);
  }
}

/** The default dial: `node:net` for unix sockets and plain TCP, `node:tls` with the pool's options for TLS. */
function netDial(options: Http1PoolOptions): Http1Dial {
  const { endpoint, endpointText } = options;
  return async ({ signal, connectTimeoutMs, request }) => {
    if (endpoint.kind === "ssh") throw new InvalidOptionError("dial", "an ssh:// endpoint needs the ssh transport");
    const socket: net.Socket =
      endpoint.kind === "unix"
        ? net.connect({ path: endpoint.socketPath })
        : options.tls
          ? tls.connect({ host: endpoint.host, port: endpoint.port, ...options.tls })
          : net.connect({ host: endpoint.host, port: endpoint.port });
    await waitForConnect(socket, { secure: options.tls !== undefined, connectTimeoutMs, signal, endpointText, request });
    socket.setNoDelay(true);
    if (endpoint.kind === "tcp") socket.setKeepAlive(true, 1000);
    return socket;
  };
}
