/**
 * The HTTP/1.1 wire format of berth's own client: the request head and body framing on the
 * way out, and on the way in a decoder that turns socket reads into one response head and its
 * body pieces (Content-Length, chunked with extensions and trailers, or until close).
 *
 * The decoder knows nothing of sockets, pools or timers (http1-exchange.ts drives it). Every
 * read becomes at most one body piece however many HTTP chunks it holds: a Docker log or
 * export stream arrives as many small HTTP chunks.
 */
import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import { HttpHeadParser, type HttpResponseHead } from "../codecs/http-head.js";
import { DockerProtocolError, InvalidOptionError, type RequestSummary } from "../errors.js";
import { splitRequestUrl, type RequestBody, type TransportRequest } from "./messages.js";

/** Upper bound of a plain response head (what `node:http` allows by default). */
export const MAX_PLAIN_HEAD_BYTES = 16 * 1024;
/** Upper bound of a chunk-size line or of the trailer section of a chunked body. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
/** HTTP chunks of one read smaller than this on average are joined into one body piece. */
const COALESCE_BELOW_BYTES = 8 * 1024;

/** Decoder phases. */
const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_DATA_END = 4;
const TRAILER = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;

/** How the body of a final head is framed. */
export interface BodyFraming {
  /** Both sides allow another request on the connection after this answer. */
  keepAlive: boolean;
  /** The body's byte count when known in advance (0: no body), else -1 (chunked, or until close). */
  length: number;
}

/** What the decoder reports, in order: one `head`, any `data`, then `end` (or a thrown error). */
export interface ResponseHandler {
  head(head: HttpResponseHead, framing: BodyFraming): void;
  data(piece: Buffer): void;
  /** The body is complete; `extra` when bytes followed it in the same read (the connection must not be reused). */
  end(extra: boolean): void;
}

/** Decodes one response. Errors are `DockerProtocolError`s naming the request. */
export class ResponseDecoder {
  readonly #method: string;
  readonly #summary: RequestSummary;
  readonly #handler: ResponseHandler;
  #phase = HEAD;
  #parser: HttpHeadParser | undefined;
  /** Bytes left of the body (LENGTH) or of the current chunk (CHUNK_DATA). */
  #remaining = 0;
  /** A chunk-size or trailer line split across reads. */
  #line = "";
  #trailerBytes = 0;
  /** Start/end offsets of the body bytes found in the read being decoded (reused: a read allocates nothing for them). */
  readonly #ranges: number[] = [];

  constructor(method: string, summary: RequestSummary, handler: ResponseHandler) {
    this.#method = method;
    this.#summary = summary;
    this.#handler = handler;
  }

  /** A final head was decoded. */
  get hasHead(): boolean {
    return this.#phase !== HEAD;
  }

  /** The body runs until the daemon closes the connection. */
  get untilClose(): boolean {
    return this.#phase === UNTIL_CLOSE;
  }

  /** Decodes one read. */
  push(chunk: Buffer): void {
    let data = chunk;
    while (this.#phase === HEAD) {
      this.#parser ??= new HttpHeadParser({ maxHeadBytes: MAX_PLAIN_HEAD_BYTES });
      const parsed = this.#parser.push(data);
      if (!parsed) return;
      this.#parser = undefined;
      data = parsed.rest as Buffer;
      this.#onHead(parsed.head); // an interim 1xx answer leaves the phase at HEAD: another head follows
    }
    if (this.#phase === DONE) return;
    if (this.#remaining === 0 && this.#phase === LENGTH) {
      this.#phase = DONE;
      this.#handler.end(data.length > 0);
    } else if (data.length > 0) this.#body(data);
  }

  /** The daemon closed its side: true when that ended a body framed until close. */
  endOfInput(): boolean {
    if (this.#phase !== UNTIL_CLOSE) return false;
    this.#phase = DONE;
    this.#handler.end(false);
    return true;
  }

  #onHead(head: HttpResponseHead): void {
    const status = head.status;
    if (status === 101)
      throw new DockerProtocolError(`the daemon answered a plain request with ${status} ${head.reason}`.trim(), {
        request: this.#summary,
      });
    if (status < 200) return;
    const connection = head.headers.get("connection")?.join(",").toLowerCase() ?? "";
    let keepAlive = head.httpVersion === "1.1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const encoding = head.headers.get("transfer-encoding");
    const lengths = head.headers.get("content-length");
    let length = -1;
    if (this.#method === "HEAD" || status === 204 || status === 304) length = 0;
    else if (encoding) {
      if (/(?:^|,)\s*chunked\s*$/i.test(encoding.join(","))) this.#phase = CHUNK_SIZE;
      else {
        this.#phase = UNTIL_CLOSE;
        keepAlive = false;
      }
    } else if (lengths) {
      const text = lengths[0]!;
      if (!/^\d{1,15}$/.test(text) || lengths.some((value) => value !== text))
        throw new DockerProtocolError(`invalid Content-Length ${JSON.stringify(lengths.join(", "))}`, { request: this.#summary });
      length = Number(text);
    } else {
      this.#phase = UNTIL_CLOSE;
      keepAlive = false;
    }
    if (length >= 0) {
      this.#phase = LENGTH;
      this.#remaining = length;
    }
    this.#handler.head(head, { keepAlive, length });
  }

  /** Body bytes: framed by the phase, delivered as one piece per read (see `#deliverRanges`). */
  #body(data: Buffer): void {
    const end = data.length;
    const ranges = this.#ranges;
    ranges.length = 0;
    let pos = 0;
    let done = false;
    while (pos < end && !done) {
      switch (this.#phase) {
        case LENGTH: {
          const n = Math.min(this.#remaining, end - pos);
          ranges.push(pos, pos + n);
          pos += n;
          this.#remaining -= n;
          if (this.#remaining === 0) done = true;
          break;
        }
        case UNTIL_CLOSE:
          ranges.push(pos, end);
          pos = end;
          break;
        case CHUNK_DATA: {
          const n = Math.min(this.#remaining, end - pos);
          ranges.push(pos, pos + n);
          pos += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#phase = CHUNK_DATA_END;
          break;
        }
        default: {
          // CHUNK_SIZE, CHUNK_DATA_END, TRAILER: line-based.
          const lf = lineFeedAt(data, pos, end);
          if (lf < 0) {
            this.#line += data.toString("latin1", pos, end);
            if (this.#line.length > MAX_CHUNK_LINE_BYTES)
              throw new DockerProtocolError("a chunk-size line of the answer is too long", { request: this.#summary });
            pos = end;
            break;
          }
          // The line is read off the bytes; only one split across reads is joined first.
          let line = data;
          let from = pos;
          let to = lf;
          if (this.#line !== "") {
            line = Buffer.from(this.#line + data.toString("latin1", pos, lf), "latin1");
            this.#line = "";
            from = 0;
            to = line.length;
          }
          if (to > from && line[to - 1] === 13) to--;
          pos = lf + 1;
          done = this.#onLine(line, from, to);
        }
      }
    }
    if (ranges.length > 0) this.#deliverRanges(data, ranges);
    if (done) {
      this.#phase = DONE;
      this.#handler.end(pos < end);
    }
  }

  /**
   * A complete chunk-size line, chunk end or trailer line: `line[from..to)`, without its CR LF.
   * Returns true at the empty line that ends the trailer (the end of the body).
   */
  #onLine(line: Buffer, from: number, to: number): boolean {
    if (this.#phase === CHUNK_SIZE) {
      const size = chunkSizeOf(line, from, to);
      if (size < 0)
        throw new DockerProtocolError(`invalid chunk size line ${JSON.stringify(line.toString("latin1", from, Math.min(to, from + 40)))}`, {
          request: this.#summary,
        });
      if (size === 0) this.#phase = TRAILER;
      else {
        this.#phase = CHUNK_DATA;
        this.#remaining = size;
      }
      return false;
    }
    if (this.#phase === CHUNK_DATA_END) {
      if (to !== from) throw new DockerProtocolError("a chunk of the answer is longer than its size", { request: this.#summary });
      this.#phase = CHUNK_SIZE;
      return false;
    }
    this.#trailerBytes += to - from + 2;
    if (this.#trailerBytes > MAX_CHUNK_LINE_BYTES)
      throw new DockerProtocolError("the trailer of the answer is too long", { request: this.#summary });
    return to === from;
  }

  /**
   * One piece per read: a single range as a view; several small ones (HTTP chunks of log
   * lines) moved together inside the read's own buffer and handed on as one view; several
   * large ones as views each.
   */
  #deliverRanges(data: Buffer, ranges: readonly number[]): void {
    const count = ranges.length / 2;
    if (count === 1) {
      const start = ranges[0]!;
      const stop = ranges[1]!;
      this.#handler.data(start === 0 && stop === data.length ? data : data.subarray(start, stop));
      return;
    }
    let total = 0;
    for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]!;
    if (total / count < COALESCE_BELOW_BYTES) {
      // Each range moves down over the chunk-size lines and CR LFs before it: the buffer is this
      // read's alone (the socket allocates one per read, and nothing of it has been handed on
      // yet), so one native call per range replaces a fresh buffer plus a view and a copy each.
      const first = ranges[0]!;
      let at = first;
      for (let i = 0; i < ranges.length; i += 2) {
        const start = ranges[i]!;
        const stop = ranges[i + 1]!;
        if (start !== at) data.copyWithin(at, start, stop);
        at += stop - start;
      }
      this.#handler.data(data.subarray(first, at));
    } else {
      for (let i = 0; i < ranges.length; i += 2) this.#handler.data(data.subarray(ranges[i]!, ranges[i + 1]!));
    }
  }
}

/**
 * The index of the next LF in `data[from..end)`, or -1. Chunk-size lines and chunk ends are a
 * few bytes long: a loop over the first bytes costs less than a call into native code per line
 * (two per HTTP chunk; a log stream has one HTTP chunk per line).
 */
function lineFeedAt(data: Buffer, from: number, end: number): number {
  const stop = Math.min(end, from + 16);
  for (let i = from; i < stop; i++) if (data[i] === 10) return i;
  return stop === end ? -1 : data.indexOf(10, stop);
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

/** Path and query of a request URL (all berth URLs are absolute, on a placeholder origin). */
export function pathOf(url: string): string {
  const result = splitRequestUrl(url)?.path ?? "/";
  // The request line carries the path as is: no byte that could end or split it.
  if (/[\x00-\x20\x7f-\uffff]/.test(result))
    throw new InvalidOptionError("path", `the request path must be percent-encoded, got ${JSON.stringify(result.slice(0, 200))}`);
  return result;
}

/** The request line and headers, without the final empty line (body framing headers are added by `writeRequest`). */
export function requestHead(request: TransportRequest, path: string, hostHeader: string): string {
  let head = `${request.method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  request.headers.forEach((value, name) => {
    if (name === "host") hasHost = true;
    head += `${name}: ${value}\r\n`;
  });
  if (!hasHost) head += `host: ${hostHeader}\r\n`;
  return head;
}

/**
 * Writes the request: head and a string or byte body at once (Content-Length added unless
 * given); any other body is streamed (chunked unless a Content-Length was given) and the
 * returned promise settles when it is sent. Undefined when everything was written at once.
 */
export function writeRequest(socket: Duplex, request: TransportRequest, head: string): Promise<void> | undefined {
  const body = request.body;
  if (body === null || body === undefined) {
    socket.write(`${head}\r\n`, "latin1");
    return undefined;
  }
  const hasLength = request.headers.has("content-length");
  if (typeof body === "string") {
    const length = hasLength ? "" : `content-length: ${Buffer.byteLength(body)}\r\n`;
    socket.cork();
    socket.write(`${head}${length}\r\n`, "latin1");
    socket.write(body, "utf8");
    socket.uncork();
    return undefined;
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
    socket.cork();
    socket.write(`${head}${hasLength ? "" : `content-length: ${bytes.byteLength}\r\n`}\r\n`, "latin1");
    socket.write(bytes);
    socket.uncork();
    return undefined;
  }
  socket.write(`${head}${hasLength ? "" : "transfer-encoding: chunked\r\n"}\r\n`, "latin1");
  return pumpBody(socket, body, !hasLength);
}

/** A request body `writeRequest` does not send in one piece. */
type StreamedBody = Exclude<RequestBody, string | Uint8Array | ArrayBuffer>;

/** Streams a request body onto the socket (chunked framing when `chunked`), honouring backpressure. */
async function pumpBody(socket: Duplex, body: StreamedBody, chunked: boolean): Promise<void> {
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

function drained(socket: Duplex): Promise<void> {
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
