/**
 * berth's own HTTP/1.1 client for Node: a keep-alive pool of `node:net` / `node:tls` sockets,
 * one request at a time per socket, the response head read with the same parser as the
 * hijack path and the body framed here (Content-Length, chunked, or until close).
 *
 * Why not `node:http`: on the daemon here a `node:http` keep-alive client spends about twice
 * the client CPU of this one per small call (ClientRequest and IncomingMessage are streams,
 * llhttp calls into JavaScript once per header and once per body chunk). A Docker log or
 * export stream arrives as many small HTTP chunks; here every socket read becomes at most one
 * body chunk however many HTTP chunks it holds (bench/ has the side-by-side numbers).
 *
 * Lifecycle of one exchange: acquire a connection (idle LIFO, else dial while under
 * `maxSockets`, else queue), write the request, parse the head, then either collect a small
 * known-length body whole (`BufferedResponse`) or resolve at the head with a streamed body
 * (`NodeHttpResponse`), whose reader applies backpressure by pausing the socket. When the body
 * is complete the connection goes back to the pool, unless either side asked to close it or it
 * carried anything unexpected. Idle sockets are unref'd, so a pool never keeps a process alive.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { hostHeaderOf, type Endpoint } from "../docker-host.js";
import {
  DockerAbortError,
  DockerError,
  DockerProtocolError,
  DockerTimeoutError,
  InvalidOptionError,
  connectionErrorFrom,
  isDockerError,
  redactPath,
  type RequestSummary,
} from "../errors.js";
import { HttpHeadParser, type HttpResponseHead } from "../codecs/http-head.js";
import {
  BufferedResponse,
  DIRECT_BODY,
  LightResponse,
  type LightResponseInit,
  type MaybeDirectBody,
  splitRequestUrl,
  type RequestBody,
  type TransportRequest,
} from "./messages.js";
import { waitForConnect } from "./node-socket.js";
import { BUFFER_SMALL_BODY_BYTES } from "./types.js";

/** Upper bound of a plain response head (what `node:http` allows by default). */
export const MAX_PLAIN_HEAD_BYTES = 16 * 1024;
/** Upper bound of a chunk-size line or of the trailer section of a chunked body. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
/** Bytes a streamed body buffers before the socket is paused (for a reader that is slow or absent). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/** HTTP chunks of one read smaller than this on average are joined into one body piece. */
const COALESCE_BELOW_BYTES = 8 * 1024;

/** Parser phases of one exchange. */
const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_DATA_END = 4;
const TRAILER = 5;
const UNTIL_CLOSE = 6;
const NO_BODY = 7;

/**
 * A connection the pool can carry requests over: a `node:net` socket, or any duplex byte
 * stream with `ref()`/`unref()` (an ssh process's stdio, see ssh.ts). `unref()` is called when
 * it goes idle in the pool, `ref()` when it is taken again.
 */
export type PoolSocket = Duplex & { ref(): unknown; unref(): unknown };

/** What the pool needs to dial the endpoint. */
export interface Http1PoolOptions {
  endpoint: Endpoint;
  endpointText: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  maxSockets: number;
  /** TLS options (with the secure context made once) when the endpoint is TLS. */
  tls?: tls.ConnectionOptions | undefined;
  /**
   * Opens a connection instead of `node:net`/`node:tls` (the ssh transport). It resolves once
   * requests may be written; failures it reports later come as the stream's 'error'.
   */
  dial?: ((signal: AbortSignal | undefined, request: RequestSummary) => Promise<PoolSocket>) | undefined;
}

interface Waiter {
  resolve(connection: Http1Connection): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  summary: RequestSummary;
  onAbort(): void;
}

/** A connection that failed before a single byte of the answer, after serving earlier requests. */
class StaleConnection {
  constructor(readonly error: unknown) {}
}

/** Methods safe to send again on a new connection when a reused one turned out closed. */
const RETRYABLE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The keep-alive pool of one endpoint. */
export class Http1Pool {
  readonly options: Http1PoolOptions;
  readonly #idle: Http1Connection[] = [];
  readonly #waiters: Waiter[] = [];
  /** Connections counted against maxSockets: dialling, busy and idle. */
  #open = 0;
  /** Set by `close()` until the next request: connections that finish are closed, not kept. */
  #closing = false;
  readonly #hostHeader: string;
  readonly #basePath: string;

  constructor(options: Http1PoolOptions) {
    this.options = options;
    const { endpoint } = options;
    this.#hostHeader = hostHeaderOf(endpoint);
    this.#basePath = endpoint.kind === "tcp" ? endpoint.basePath : "";
  }

  /** Sends one request; resolves at the response head (small known-length bodies: once read whole). */
  async fetch(request: TransportRequest): Promise<Response> {
    const path = this.#basePath + pathOf(request.url);
    const summary: RequestSummary = { method: request.method, path: redactPath(path) };
    const signal = request.signal ?? undefined;
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason, request: summary });
    const head = requestHead(request, path, this.#hostHeader);
    const retryable = RETRYABLE.has(request.method) && request.body == null;
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#acquire(signal, summary);
      try {
        return await connection.exchange(request, head, summary, signal);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
        if (!retryable || attempt > 0) throw error.error;
      }
    }
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
    if (this.#open < this.options.maxSockets) return this.#dial(signal, summary);
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

  async #dial(signal: AbortSignal | undefined, summary: RequestSummary): Promise<Http1Connection> {
    const { endpoint, endpointText, connectTimeoutMs } = this.options;
    this.#open++;
    try {
      if (this.options.dial) return new Http1Connection(await this.options.dial(signal, summary), this);
      if (endpoint.kind === "ssh") throw new InvalidOptionError("dial", "an ssh:// endpoint needs the ssh transport");
      const socket: net.Socket =
        endpoint.kind === "unix"
          ? net.connect({ path: endpoint.socketPath })
          : this.options.tls
            ? tls.connect({ host: endpoint.host, port: endpoint.port, ...this.options.tls })
            : net.connect({ host: endpoint.host, port: endpoint.port });
      await waitForConnect(socket, { secure: this.options.tls !== undefined, connectTimeoutMs, signal, endpointText, request: summary });
      socket.setNoDelay(true);
      if (endpoint.kind === "tcp") socket.setKeepAlive(true, 1000);
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
    this.#dial(waiter.signal, waiter.summary).then(waiter.resolve, waiter.reject);
  }
}

/** One request/response on a connection, with its parser state. */
interface Exchange {
  readonly method: string;
  readonly summary: RequestSummary;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  headersTimer: ReturnType<typeof setTimeout> | undefined;
  resolve: (response: Response) => void;
  reject: (error: unknown) => void;
  /** The head promise settled (resolved with the response, or rejected). */
  settled: boolean;
  receivedAny: boolean;
  phase: number;
  parser: HttpHeadParser | undefined;
  /** Bytes left of the body (LENGTH) or of the current chunk (CHUNK_DATA). */
  remaining: number;
  /** A chunk-size or trailer line split across reads. */
  line: string;
  trailerBytes: number;
  keepAlive: boolean;
  /** A streamed request body is still being written: the connection cannot be reused before it ends. */
  sending: boolean;
  /** Collected pieces of a small body read whole; undefined when the body streams. */
  pieces: Buffer[] | undefined;
  init: LightResponseInit | undefined;
  sink: BodySink | undefined;
}

/** One keep-alive socket. */
class Http1Connection {
  readonly socket: PoolSocket;
  readonly #pool: Http1Pool;
  #current: Exchange | undefined;
  /** Requests completed on this socket (a failure on a reused socket may be a stale close). */
  #served = 0;
  #lastError: unknown;
  #destroyed = false;

  constructor(socket: PoolSocket, pool: Http1Pool) {
    this.socket = socket;
    this.#pool = pool;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    // `on`, not `once`: a TLS socket can report a second error after the first (see node-socket.ts).
    socket.on("error", (error) => {
      this.#lastError ??= error;
      const current = this.#current;
      if (current) this.#fail(current, this.#connectionError(current, error));
      else this.destroy();
    });
    socket.once("close", () => {
      this.#destroyed = true;
      pool.closed(this);
      const current = this.#current;
      if (current) this.#fail(current, this.#connectionError(current, this.#lastError));
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
    // The socket too: a dialled stream (PoolSocket) can be destroyed by its owner, whose 'close' comes a tick later.
    return this.#destroyed || this.socket.destroyed;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends the request and settles with the response (see the file comment). */
  exchange(request: TransportRequest, head: string, summary: RequestSummary, signal: AbortSignal | undefined): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const exchange: Exchange = {
        method: request.method,
        summary,
        signal,
        onAbort: () => this.#fail(exchange, new DockerAbortError({ cause: signal?.reason, request: summary })),
        headersTimer: undefined,
        resolve,
        reject,
        settled: false,
        receivedAny: false,
        phase: HEAD,
        parser: undefined,
        remaining: 0,
        line: "",
        trailerBytes: 0,
        keepAlive: true,
        sending: false,
        pieces: undefined,
        init: undefined,
        sink: undefined,
      };
      if (this.#destroyed) {
        reject(this.#connectionError(exchange, this.#lastError));
        return;
      }
      this.#current = exchange;
      signal?.addEventListener("abort", exchange.onAbort, { once: true });
      const { headersTimeoutMs } = this.#pool.options;
      if (headersTimeoutMs > 0) {
        exchange.headersTimer = setTimeout(
          () => this.#fail(exchange, new DockerTimeoutError("headers", headersTimeoutMs, { request: summary })),
          headersTimeoutMs,
        );
      }
      this.#write(exchange, request, head);
    });
  }

  #write(exchange: Exchange, request: TransportRequest, head: string): void {
    const socket = this.socket;
    const body = request.body;
    if (body === null || body === undefined) {
      socket.write(`${head}\r\n`, "latin1");
      return;
    }
    const hasLength = request.headers.has("content-length");
    if (typeof body === "string") {
      const length = hasLength ? "" : `content-length: ${Buffer.byteLength(body)}\r\n`;
      socket.cork();
      socket.write(`${head}${length}\r\n`, "latin1");
      socket.write(body, "utf8");
      socket.uncork();
      return;
    }
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
      const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
      socket.cork();
      socket.write(`${head}${hasLength ? "" : `content-length: ${bytes.byteLength}\r\n`}\r\n`, "latin1");
      socket.write(bytes);
      socket.uncork();
      return;
    }
    socket.write(`${head}${hasLength ? "" : "transfer-encoding: chunked\r\n"}\r\n`, "latin1");
    exchange.sending = true;
    pumpBody(socket, body, !hasLength).then(
      () => {
        exchange.sending = false;
      },
      (error: unknown) => {
        exchange.sending = false;
        if (this.#current !== exchange) return;
        this.#fail(
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
      this.#feed(exchange, chunk);
    } catch (error) {
      this.#fail(
        exchange,
        error instanceof DockerProtocolError && error.request === undefined
          ? new DockerProtocolError(error.message, { cause: error, request: exchange.summary })
          : error,
      );
    }
  }

  #feed(exchange: Exchange, chunk: Buffer): void {
    let data = chunk;
    while (exchange.phase === HEAD) {
      exchange.parser ??= new HttpHeadParser({ maxHeadBytes: MAX_PLAIN_HEAD_BYTES });
      const parsed = exchange.parser.push(data);
      if (!parsed) return;
      exchange.parser = undefined;
      data = parsed.rest as Buffer;
      if (!this.#onHead(exchange, parsed.head)) continue; // 1xx: another head follows
    }
    if (exchange.phase === NO_BODY) {
      // Anything after a complete answer was not asked for: do not reuse the connection.
      if (data.length > 0) exchange.keepAlive = false;
      this.#complete(exchange);
    } else if (data.length > 0) this.#body(exchange, data);
  }

  /** Handles a complete head; false for an interim 1xx answer. */
  #onHead(exchange: Exchange, head: HttpResponseHead): boolean {
    const status = head.status;
    if (status === 101)
      throw new DockerProtocolError(`the daemon answered a plain request with ${status} ${head.reason}`.trim(), {
        request: exchange.summary,
      });
    if (status < 200) return false;
    clearTimeout(exchange.headersTimer);
    const connection = head.headers.get("connection")?.join(",").toLowerCase() ?? "";
    exchange.keepAlive = head.httpVersion === "1.1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const init = { status, statusText: head.reason, headers: new ResponseHeaders(head.headers) as Headers };
    exchange.init = init;
    const noBody = exchange.method === "HEAD" || status === 204 || status === 304;
    const encoding = head.headers.get("transfer-encoding");
    const lengths = head.headers.get("content-length");
    let length = -1;
    if (noBody) length = 0;
    else if (encoding) {
      if (/(?:^|,)\s*chunked\s*$/i.test(encoding.join(","))) exchange.phase = CHUNK_SIZE;
      else {
        exchange.phase = UNTIL_CLOSE;
        exchange.keepAlive = false;
      }
    } else if (lengths) {
      const text = lengths[0]!;
      if (!/^\d{1,15}$/.test(text) || lengths.some((value) => value !== text))
        throw new DockerProtocolError(`invalid Content-Length ${JSON.stringify(lengths.join(", "))}`, { request: exchange.summary });
      length = Number(text);
      exchange.phase = LENGTH;
      exchange.remaining = length;
    } else {
      exchange.phase = UNTIL_CLOSE;
      exchange.keepAlive = false;
    }
    if (length === 0) {
      exchange.phase = NO_BODY;
      return true;
    }
    if (length > 0 && length <= BUFFER_SMALL_BODY_BYTES) {
      exchange.pieces = [];
      return true;
    }
    const sink = new BodySink(this, exchange);
    exchange.sink = sink;
    exchange.settled = true;
    exchange.resolve(new NodeHttpResponse(init, sink) as unknown as Response);
    return true;
  }

  /** Start/end offsets of the body bytes found in the read being parsed (reused, so a read allocates nothing for them). */
  readonly #ranges: number[] = [];

  /** Body bytes: framed by the phase, delivered as one piece per read (see `#deliverRanges`). */
  #body(exchange: Exchange, data: Buffer): void {
    const end = data.length;
    const ranges = this.#ranges;
    ranges.length = 0;
    let pos = 0;
    let done = false;
    while (pos < end && !done) {
      switch (exchange.phase) {
        case LENGTH: {
          const n = Math.min(exchange.remaining, end - pos);
          ranges.push(pos, pos + n);
          pos += n;
          exchange.remaining -= n;
          if (exchange.remaining === 0) done = true;
          break;
        }
        case UNTIL_CLOSE:
          ranges.push(pos, end);
          pos = end;
          break;
        case CHUNK_DATA: {
          const n = Math.min(exchange.remaining, end - pos);
          ranges.push(pos, pos + n);
          pos += n;
          exchange.remaining -= n;
          if (exchange.remaining === 0) exchange.phase = CHUNK_DATA_END;
          break;
        }
        default: {
          // CHUNK_SIZE, CHUNK_DATA_END, TRAILER: line-based.
          const lf = data.indexOf(10, pos);
          if (lf < 0) {
            exchange.line += data.toString("latin1", pos, end);
            if (exchange.line.length > MAX_CHUNK_LINE_BYTES)
              throw new DockerProtocolError("a chunk-size line of the answer is too long", { request: exchange.summary });
            pos = end;
            break;
          }
          // The line is read off the bytes; only one split across reads is joined first.
          let line = data;
          let from = pos;
          let to = lf;
          if (exchange.line !== "") {
            line = Buffer.from(exchange.line + data.toString("latin1", pos, lf), "latin1");
            exchange.line = "";
            from = 0;
            to = line.length;
          }
          if (to > from && line[to - 1] === 13) to--;
          pos = lf + 1;
          done = this.#onLine(exchange, line, from, to);
        }
      }
    }
    if (ranges.length > 0) this.#deliverRanges(exchange, data, ranges);
    if (done) {
      // Anything after the end of the answer was not asked for: do not reuse the connection.
      if (pos < end) exchange.keepAlive = false;
      if (this.#current === exchange) this.#complete(exchange);
    }
  }

  /**
   * A complete chunk-size line, chunk end or trailer line: `line[from..to)`, without its CR LF.
   * Returns true at the empty line that ends the trailer (the end of the body).
   */
  #onLine(exchange: Exchange, line: Buffer, from: number, to: number): boolean {
    if (exchange.phase === CHUNK_SIZE) {
      const size = chunkSizeOf(line, from, to);
      if (size < 0)
        throw new DockerProtocolError(`invalid chunk size line ${JSON.stringify(line.toString("latin1", from, Math.min(to, from + 40)))}`, {
          request: exchange.summary,
        });
      if (size === 0) exchange.phase = TRAILER;
      else {
        exchange.phase = CHUNK_DATA;
        exchange.remaining = size;
      }
      return false;
    }
    if (exchange.phase === CHUNK_DATA_END) {
      if (to !== from) throw new DockerProtocolError("a chunk of the answer is longer than its size", { request: exchange.summary });
      exchange.phase = CHUNK_SIZE;
      return false;
    }
    exchange.trailerBytes += to - from + 2;
    if (exchange.trailerBytes > MAX_CHUNK_LINE_BYTES)
      throw new DockerProtocolError("the trailer of the answer is too long", { request: exchange.summary });
    return to === from;
  }

  /**
   * One piece per read: a single range as a view; several small ones (HTTP chunks of log
   * lines) copied into one buffer; several large ones as views each.
   */
  #deliverRanges(exchange: Exchange, data: Buffer, ranges: readonly number[]): void {
    const count = ranges.length / 2;
    if (count === 1) {
      const start = ranges[0]!;
      const stop = ranges[1]!;
      this.#deliver(exchange, start === 0 && stop === data.length ? data : data.subarray(start, stop));
      return;
    }
    let total = 0;
    for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]!;
    if (total / count < COALESCE_BELOW_BYTES) {
      const joined = Buffer.allocUnsafe(total);
      let at = 0;
      for (let i = 0; i < ranges.length; i += 2) at += data.copy(joined, at, ranges[i]!, ranges[i + 1]!);
      this.#deliver(exchange, joined);
    } else {
      for (let i = 0; i < ranges.length; i += 2) this.#deliver(exchange, data.subarray(ranges[i]!, ranges[i + 1]!));
    }
  }

  #deliver(exchange: Exchange, piece: Buffer): void {
    if (exchange.pieces) exchange.pieces.push(piece);
    else exchange.sink!.push(piece);
  }

  /** The answer is complete: settle it and hand the connection back. */
  #complete(exchange: Exchange): void {
    this.#current = undefined;
    clearTimeout(exchange.headersTimer);
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.#served++;
    if (exchange.sending) exchange.keepAlive = false;
    if (exchange.sink) exchange.sink.end();
    else {
      const pieces = exchange.pieces;
      const bytes = !pieces || pieces.length === 0 ? null : pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      exchange.settled = true;
      exchange.resolve(new BufferedResponse(bytes, exchange.init!) as unknown as Response);
    }
    this.#pool.release(this, exchange.keepAlive);
  }

  /** Ends the exchange with `error` (the head promise, or the body stream once resolved). */
  #fail(exchange: Exchange, error: unknown): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    clearTimeout(exchange.headersTimer);
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.destroy();
    if (!exchange.settled) {
      exchange.settled = true;
      exchange.reject(error);
    } else exchange.sink?.fail(error instanceof StaleConnection ? error.error : error);
  }

  /** The reader of a streamed body gave up: the rest of the body is not wanted. */
  cancel(exchange: Exchange): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    exchange.signal?.removeEventListener("abort", exchange.onAbort);
    this.destroy();
  }

  #onEnd(): void {
    const exchange = this.#current;
    if (exchange?.phase === UNTIL_CLOSE && exchange.init) {
      exchange.keepAlive = false;
      this.#complete(exchange);
      return;
    }
    if (exchange) this.#fail(exchange, this.#connectionError(exchange, undefined));
    else this.destroy();
  }

  /** The error for a connection that broke during `exchange`: stale (retry) if nothing came back on a reused socket. */
  #connectionError(exchange: Exchange, cause: unknown): unknown {
    const { endpointText } = this.#pool.options;
    const closedEarly = exchange.init === undefined;
    const error = connectionErrorFrom(
      cause ?? new Error(closedEarly ? "the daemon closed the connection without answering" : "connection closed before the body ended"),
      endpointText,
      exchange.summary,
    );
    return closedEarly && !exchange.receivedAny && this.#served > 0 ? new StaleConnection(error) : error;
  }
}

/**
 * The body of a streamed answer between the socket and its one reader. Until a reader comes,
 * pieces are kept (up to the high-water mark, then the socket pauses) and so is an error.
 */
class BodySink {
  readonly #connection: Http1Connection;
  readonly #exchange: Exchange;
  #pieces: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  #reader: BodyReader | undefined;

  constructor(connection: Http1Connection, exchange: Exchange) {
    this.#connection = connection;
    this.#exchange = exchange;
  }

  push(piece: Buffer): void {
    if (this.#reader) {
      this.#reader.data(piece);
      return;
    }
    this.#pieces.push(piece);
    this.#buffered += piece.length;
    if (this.#buffered >= STREAM_HIGH_WATER_MARK) this.#connection.pause();
  }

  end(): void {
    this.#ended = true;
    this.#reader?.end();
  }

  fail(error: unknown): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#reader?.error(error);
  }

  /** Attaches the one reader: buffered pieces first, then live ones. */
  read(reader: BodyReader): void {
    this.#reader = reader;
    const pieces = this.#pieces;
    this.#pieces = [];
    this.#buffered = 0;
    for (const piece of pieces) reader.data(piece);
    if (this.#ended) reader.end();
    else if (this.#failed) reader.error(this.#error);
    else this.#connection.resume();
  }

  pause(): void {
    if (!this.#ended && !this.#failed) this.#connection.pause();
  }

  resume(): void {
    if (!this.#ended && !this.#failed) this.#connection.resume();
  }

  cancel(): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    this.#connection.cancel(this.#exchange);
  }
}

interface BodyReader {
  data(piece: Buffer): void;
  end(): void;
  error(error: unknown): void;
}

/**
 * A streamed answer. `text()`/`json()`/`bytes()` collect the pieces directly; `body` makes a
 * web stream only when asked for.
 */
export class NodeHttpResponse extends LightResponse {
  readonly #sink: BodySink;

  constructor(init: LightResponseInit, sink: BodySink) {
    super(init);
    this.#sink = sink;
  }

  #take(): BodySink {
    this.markUsed();
    return this.#sink;
  }

  /**
   * The body as a web stream with backpressure to the socket. The stream pulls only when read
   * (high-water mark 0: until then the body stays in the sink, so `DIRECT_BODY` can take it
   * instead); the socket pauses once 256 KiB wait unread in the stream's queue.
   */
  get body(): ReadableStream<Uint8Array> {
    const sink = this.#take();
    let attached = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (attached) {
            sink.resume();
            return;
          }
          attached = true;
          sink.read({
            data(piece) {
              controller.enqueue(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength));
              if (-(controller.desiredSize ?? 0) >= STREAM_HIGH_WATER_MARK) sink.pause();
            },
            end: () => controller.close(),
            error: (error) => controller.error(error),
          });
        },
        cancel() {
          attached = true;
          sink.cancel();
        },
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    (stream as MaybeDirectBody)[DIRECT_BODY] = () => {
      if (attached || stream.locked) return undefined;
      attached = true;
      return directChunks(sink);
    };
    return stream;
  }

  async bytes(): Promise<Uint8Array> {
    const all = await this.#collect();
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  }

  #collect(): Promise<Buffer> {
    const sink = this.#take();
    return new Promise<Buffer>((resolve, reject) => {
      const pieces: Buffer[] = [];
      sink.read({
        data: (piece) => pieces.push(piece),
        end: () => resolve(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)),
        error: reject,
      });
    });
  }

  override async text(): Promise<string> {
    return (await this.#collect()).toString("utf8");
  }

  clone(): never {
    throw new TypeError("a streamed Docker response cannot be cloned; read it once");
  }
}

/**
 * The body's pieces as an async iterator, without a web stream: at most 256 KiB wait in its
 * queue (then the socket pauses); leaving a loop early (`return`) cancels the request.
 */
function directChunks(sink: BodySink): AsyncIterableIterator<Uint8Array> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let waiting: { resolve: (result: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined;
  const view = (piece: Buffer) => new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
  sink.read({
    data(piece) {
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve({ value: view(piece), done: false });
        return;
      }
      queue.push(piece);
      queued += piece.length;
      if (queued >= STREAM_HIGH_WATER_MARK) sink.pause();
    },
    end() {
      ended = true;
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve({ value: undefined, done: true });
      }
    },
    error(error) {
      failure = { error };
      if (waiting) {
        const { reject } = waiting;
        waiting = undefined;
        reject(error);
      }
    },
  });
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next() {
      const piece = queue.shift();
      if (piece) {
        queued -= piece.length;
        if (queued < STREAM_HIGH_WATER_MARK) sink.resume();
        return Promise.resolve({ value: view(piece), done: false });
      }
      if (failure) return Promise.reject(failure.error);
      if (ended) return Promise.resolve({ value: undefined, done: true });
      sink.resume();
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      queue.length = 0;
      if (!ended && !failure) sink.cancel();
      ended = true;
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve({ value: undefined, done: true });
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Response headers over the parsed head, read-only in practice: a `Headers` without undici's
 * per-header validation and copying (the head parser already refused malformed lines).
 */
export class ResponseHeaders implements Headers {
  readonly #map: Map<string, string[]>;

  constructor(map: ReadonlyMap<string, readonly string[]>) {
    this.#map = map as Map<string, string[]>;
  }

  get(name: string): string | null {
    const values = this.#map.get(name.toLowerCase());
    return values === undefined ? null : values.join(", ");
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  getSetCookie(): string[] {
    return [...(this.#map.get("set-cookie") ?? [])];
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const values = this.#map.get(key);
    if (values) values.push(value);
    else this.#map.set(key, [value]);
  }

  set(name: string, value: string): void {
    this.#map.set(name.toLowerCase(), [value]);
  }

  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const key of [...this.#map.keys()].sort()) {
      if (key === "set-cookie") for (const value of this.#map.get(key)!) yield [key, value];
      else yield [key, this.#map.get(key)!.join(", ")];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }
}

/** Path and query of a request URL (all berth URLs are absolute, on a placeholder origin). */
function pathOf(url: string): string {
  const result = splitRequestUrl(url)?.path ?? "/";
  // The request line carries the path as is: no byte that could end or split it.
  if (/[\x00-\x20\x7f-\uffff]/.test(result))
    throw new InvalidOptionError("path", `the request path must be percent-encoded, got ${JSON.stringify(result.slice(0, 200))}`);
  return result;
}

/** The request line and headers, without the final empty line (body framing headers are added by `#write`). */
function requestHead(request: TransportRequest, path: string, hostHeader: string): string {
  let head = `${request.method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  request.headers.forEach((value, name) => {
    if (name === "host") hasHost = true;
    head += `${name}: ${value}\r\n`;
  });
  if (!hasHost) head += `host: ${hostHeader}\r\n`;
  return head;
}

/** The size a chunk-size line `bytes[from..to)` (without its CR LF) gives, extensions ignored; -1 when it is not one. */
function chunkSizeOf(bytes: Uint8Array, from: number, to: number): number {
  let size = 0;
  let digits = 0;
  let i = from;
  for (; i < to; i++) {
    const c = bytes[i]!;
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (value < 0) break;
    if (++digits > 13) return -1;
    size = size * 16 + value;
  }
  if (digits === 0) return -1;
  // Then only optional whitespace and chunk extensions (";name=value"), which are ignored.
  for (; i < to; i++) {
    const c = bytes[i]!;
    if (c === 59) return size;
    if (c !== 32 && c !== 9) return -1;
  }
  return size;
}

/** A request body `#write` does not send in one piece. */
type StreamedBody = Exclude<RequestBody, string | Uint8Array | ArrayBuffer>;

/** Streams a request body onto the socket (chunked framing when `chunked`), honouring backpressure. */
async function pumpBody(socket: PoolSocket, body: StreamedBody, chunked: boolean): Promise<void> {
  const source: AsyncIterable<Uint8Array> =
    body instanceof Blob ? (body.stream() as unknown as AsyncIterable<Uint8Array>) : toAsyncIterable(body);
  for await (const chunk of source) {
    if (socket.destroyed) return;
    if (chunk.byteLength === 0) continue;
    let ok: boolean;
    if (chunked) {
      socket.cork();
      socket.write(`${chunk.byteLength.toString(16)}\r\n`, "latin1");
      socket.write(chunk);
      ok = socket.write("\r\n", "latin1");
      socket.uncork();
    } else ok = socket.write(chunk);
    if (!ok) await drained(socket);
  }
  if (chunked && !socket.destroyed) socket.write("0\r\n\r\n", "latin1");
}

function drained(socket: PoolSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.once("drain", done);
    socket.once("close", done);
  });
}

function toAsyncIterable(body: Exclude<StreamedBody, Blob>): AsyncIterable<Uint8Array> {
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
