/**
 * One keep-alive connection of berth's HTTP/1.1 client and the lifecycle of the exchange on
 * it: write the request, decode the answer (http1-codec.ts), then either collect a small
 * known-length body whole (`BufferedResponse`) or resolve at the head with a streamed body
 * (`Http1Response`). When the body is complete the connection goes back to its pool, unless
 * either side asked to close it or it carried anything unexpected.
 *
 * Bounds of one exchange, each a `DockerTimeoutError` with its phase: `headers` (request sent
 * to final head), `response` (request sent to the body's end), `idle` (silence between two
 * reads of the body while its reader wants more; a paused body is not idle).
 */
import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import type { HttpResponseHead } from "../codecs/http-head.js";
import {
  DockerAbortError,
  DockerError,
  DockerProtocolError,
  DockerTimeoutError,
  connectionErrorFrom,
  isDockerError,
  type RequestSummary,
} from "../errors.js";
import { BodySink, Http1Response, ResponseHeaders } from "./http1-body.js";
import { ResponseDecoder, writeRequest, type BodyFraming, type ResponseHandler } from "./http1-codec.js";
import { BufferedResponse, type LightResponseInit, type TransportRequest } from "./messages.js";
import { BUFFER_SMALL_BODY_BYTES } from "./types.js";

/** A socket the pool can use: any duplex byte stream that can stop keeping the process alive. */
export type Http1Socket = Duplex & { ref(): unknown; unref(): unknown };

/** The bounds of one exchange in milliseconds, 0 = off. */
export interface ExchangeTimeouts {
  headers: number;
  response: number;
  /** Undefined: the pool's default for this request, asked for only when a body is read over several reads. */
  idle: number | undefined;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  readonly endpointText: string;
  /** The exchange finished; `reusable` when the connection may serve another. */
  release(connection: Http1Connection, reusable: boolean): void;
  /** The socket closed (called once). */
  closed(connection: Http1Connection): void;
  /** The idle bound of a request that gave none. */
  defaultIdleMs(method: string, path: string): number;
}

/** A connection that failed before a single byte of the answer, after serving earlier requests. */
export class StaleConnection {
  constructor(readonly error: unknown) {}
}

/** One request/response on a connection. */
class Exchange implements ResponseHandler {
  readonly #connection: Http1Connection;
  readonly method: string;
  readonly path: string;
  readonly summary: RequestSummary;
  readonly signal: AbortSignal | undefined;
  readonly timeouts: ExchangeTimeouts;
  readonly decoder: ResponseDecoder;
  readonly onAbort = () => this.#connection.fail(this, new DockerAbortError({ cause: this.signal?.reason, request: this.summary }));
  resolve!: (response: Response) => void;
  reject!: (error: unknown) => void;
  /** The head promise settled (resolved with the response, or rejected). */
  settled = false;
  receivedAny = false;
  keepAlive = true;
  /** A streamed request body is still being written: the connection cannot be reused before it ends. */
  sending = false;
  headersTimer: ReturnType<typeof setTimeout> | undefined;
  responseTimer: ReturnType<typeof setTimeout> | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the body last made progress (a read, or its reader asking for more). */
  lastActivity = 0;
  /** The reader of a streamed body paused it: silence is not idleness then. */
  paused = false;
  /** Collected pieces of a small body read whole; undefined when the body streams. */
  pieces: Buffer[] | undefined;
  init: LightResponseInit | undefined;
  sink: BodySink | undefined;

  constructor(
    connection: Http1Connection,
    request: TransportRequest,
    path: string,
    summary: RequestSummary,
    signal: AbortSignal | undefined,
    timeouts: ExchangeTimeouts,
  ) {
    this.#connection = connection;
    this.method = request.method;
    this.path = path;
    this.summary = summary;
    this.signal = signal;
    this.timeouts = timeouts;
    this.decoder = new ResponseDecoder(request.method, summary, this);
  }

  head(head: HttpResponseHead, framing: BodyFraming): void {
    clearTimeout(this.headersTimer);
    this.headersTimer = undefined;
    this.keepAlive = framing.keepAlive;
    const init = { status: head.status, statusText: head.reason, headers: new ResponseHeaders(head.headers) as Headers };
    this.init = init;
    const length = framing.length;
    if (length === 0) return;
    if (length > 0 && length <= BUFFER_SMALL_BODY_BYTES) {
      this.pieces = [];
      return;
    }
    const sink = new BodySink(this.#connection.sourceFor(this));
    this.sink = sink;
    this.settled = true;
    this.resolve(new Http1Response(init, sink) as unknown as Response);
  }

  data(piece: Buffer): void {
    if (this.pieces) this.pieces.push(piece);
    else this.sink?.push(piece);
  }

  end(extra: boolean): void {
    // Anything after the end of the answer was not asked for: do not reuse the connection.
    if (extra) this.keepAlive = false;
    this.#connection.complete(this);
  }

  clearTimers(): void {
    clearTimeout(this.headersTimer);
    clearTimeout(this.responseTimer);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** One keep-alive socket. */
export class Http1Connection {
  readonly socket: Http1Socket;
  readonly #owner: ConnectionOwner;
  #current: Exchange | undefined;
  /** Requests completed on this socket (a failure on a reused socket may be a stale close). */
  #served = 0;
  #lastError: unknown;
  #destroyed = false;

  constructor(socket: Http1Socket, owner: ConnectionOwner) {
    this.socket = socket;
    this.#owner = owner;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    // `on`, not `once`: a TLS socket can report a second error after the first (see node-socket.ts).
    socket.on("error", (error) => {
      this.#lastError ??= error;
      const current = this.#current;
      if (current) this.fail(current, this.#connectionError(current, error));
      else this.destroy();
    });
    socket.once("close", () => {
      this.#destroyed = true;
      owner.closed(this);
      const current = this.#current;
      if (current) this.fail(current, this.#connectionError(current, this.#lastError));
    });
  }

  /** Back in use after idling. */
  activate(): void {
    this.socket.ref();
  }

  /** Idle in the pool: does not keep the process alive. */
  park(): void {
    this.socket.unref();
  }

  get destroyed(): boolean {
    // The socket too: a dialled stream (the ssh transport's) can be destroyed by its owner, whose 'close' comes a tick later.
    return this.#destroyed || this.socket.destroyed;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.socket.destroy();
  }

  /** Sends the request and settles with the response (see the file comment). */
  exchange(
    request: TransportRequest,
    head: string,
    path: string,
    summary: RequestSummary,
    signal: AbortSignal | undefined,
    timeouts: ExchangeTimeouts,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const exchange = new Exchange(this, request, path, summary, signal, timeouts);
      exchange.resolve = resolve;
      exchange.reject = reject;
      if (this.#destroyed) {
        reject(this.#connectionError(exchange, this.#lastError));
        return;
      }
      this.#current = exchange;
      signal?.addEventListener("abort", exchange.onAbort, { once: true });
      if (timeouts.headers > 0) exchange.headersTimer = this.#timer(exchange, "headers", timeouts.headers);
      if (timeouts.response > 0) exchange.responseTimer = this.#timer(exchange, "response", timeouts.response);
      this.#write(exchange, request, head);
    });
  }

  #timer(exchange: Exchange, phase: "headers" | "response", ms: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => this.fail(exchange, new DockerTimeoutError(phase, ms, { request: exchange.summary })), ms);
  }

  #write(exchange: Exchange, request: TransportRequest, head: string): void {
    const sending = writeRequest(this.socket, request, head);
    if (!sending) return;
    exchange.sending = true;
    sending.then(
      () => {
        exchange.sending = false;
      },
      (error: unknown) => {
        exchange.sending = false;
        if (this.#current !== exchange) return;
        this.fail(
          exchange,
          isDockerError(error)
            ? error
            : error instanceof Error && error.name === "AbortError"
              ? new DockerAbortError({ cause: error, request: exchange.summary })
              : new DockerError(`reading the request body failed: ${error instanceof Error ? error.message : String(error)}`, {
                  cause: error,
                  request: exchange.summary,
                }),
        );
      },
    );
  }

  #onData(chunk: Buffer): void {
    const exchange = this.#current;
    if (!exchange) {
      // Bytes nobody asked for on an idle (or finished) connection: it cannot be trusted again.
      this.destroy();
      return;
    }
    exchange.receivedAny = true;
    try {
      exchange.decoder.push(chunk);
    } catch (error) {
      this.fail(
        exchange,
        error instanceof DockerProtocolError && error.request === undefined
          ? new DockerProtocolError(error.message, { cause: error, request: exchange.summary })
          : error,
      );
      return;
    }
    if (this.#current !== exchange || !exchange.decoder.hasHead) return;
    // The body goes on over more reads: bound the silence between them.
    exchange.lastActivity = Date.now();
    if (exchange.idleTimer === undefined) this.#armIdle(exchange);
  }

  #armIdle(exchange: Exchange): void {
    const timeouts = exchange.timeouts;
    timeouts.idle ??= this.#owner.defaultIdleMs(exchange.method, exchange.path);
    const ms = timeouts.idle;
    if (ms <= 0) return;
    const check = () => {
      if (this.#current !== exchange) return;
      const now = Date.now();
      if (exchange.paused || now - exchange.lastActivity < ms) {
        exchange.idleTimer = setTimeout(check, exchange.paused ? ms : ms - (now - exchange.lastActivity));
        return;
      }
      this.fail(exchange, new DockerTimeoutError("idle", ms, { request: exchange.summary }));
    };
    exchange.idleTimer = setTimeout(check, ms);
  }

  /** The pause/resume/cancel handle of `exchange`'s streamed body. */
  sourceFor(exchange: Exchange): { pause(): void; resume(): void; cancel(): void } {
    return {
      pause: () => {
        exchange.paused = true;
        this.socket.pause();
      },
      resume: () => {
        if (exchange.paused) {
          exchange.paused = false;
          exchange.lastActivity = Date.now();
        }
        this.socket.resume();
      },
      cancel: () => this.#cancel(exchange),
    };
  }

  /** The answer is complete: settle it and hand the connection back. */
  complete(exchange: Exchange): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    exchange.clearTimers();
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.#served++;
    if (exchange.sending) exchange.keepAlive = false;
    // The piece that filled the reader's queue can also be the body's last one: the socket was
    // paused then, and the reader's resume comes after the end, when it no longer reaches here.
    // A pooled connection left paused would never read its next answer.
    if (exchange.paused) {
      exchange.paused = false;
      this.socket.resume();
    }
    if (exchange.sink) exchange.sink.end();
    else {
      const pieces = exchange.pieces;
      const bytes = !pieces || pieces.length === 0 ? null : pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      exchange.settled = true;
      exchange.resolve(new BufferedResponse(bytes, exchange.init!) as unknown as Response);
    }
    this.#owner.release(this, exchange.keepAlive);
  }

  /** Ends the exchange with `error` (the head promise, or the body stream once resolved). */
  fail(exchange: Exchange, error: unknown): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    exchange.clearTimers();
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.destroy();
    if (!exchange.settled) {
      exchange.settled = true;
      exchange.reject(error);
    } else exchange.sink?.fail(error instanceof StaleConnection ? error.error : error);
  }

  /** The reader of a streamed body gave up: the rest of the body is not wanted. */
  #cancel(exchange: Exchange): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    exchange.clearTimers();
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.destroy();
  }

  #onEnd(): void {
    const exchange = this.#current;
    if (exchange?.init && exchange.decoder.endOfInput()) return;
    if (exchange) this.fail(exchange, this.#connectionError(exchange, undefined));
    else this.destroy();
  }

  /** The error for a connection that broke during `exchange`: stale (retry) if nothing came back on a reused socket. */
  #connectionError(exchange: Exchange, cause: unknown): unknown {
    const closedEarly = exchange.init === undefined;
    const error = connectionErrorFrom(
      cause ?? new Error(closedEarly ? "the daemon closed the connection without answering" : "connection closed before the body ended"),
      this.#owner.endpointText,
      exchange.summary,
    );
    return closedEarly && !exchange.receivedAny && this.#served > 0 ? new StaleConnection(error) : error;
  }
}
