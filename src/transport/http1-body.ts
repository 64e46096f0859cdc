/**
 * The body side of berth's HTTP/1.1 client: the sink between a socket and the one reader of
 * a streamed answer (with backpressure by pausing the socket), the streamed response with its
 * web-stream and direct-iterator views, and the response headers over the parsed head.
 */
import { Buffer } from "node:buffer";
import { DIRECT_BODY, LightResponse, type LightResponseInit, type MaybeDirectBody } from "./messages.js";

/** Bytes a streamed body buffers before the socket is paused (for a reader that is slow or absent). */
export const STREAM_HIGH_WATER_MARK = 256 * 1024;

/** Where a sink's pieces come from: the connection of the exchange. */
export interface BodySource {
  pause(): void;
  resume(): void;
  /** The reader gave up: the rest of the body is not wanted. */
  cancel(): void;
}

/**
 * The body of a streamed answer between the socket and its one reader. Until a reader comes,
 * pieces are kept (up to the high-water mark, then the socket pauses) and so is an error.
 */
export class BodySink {
  readonly #source: BodySource;
  #pieces: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  #reader: BodyReader | undefined;

  constructor(source: BodySource) {
    this.#source = source;
  }

  push(piece: Buffer): void {
    if (this.#reader) {
      this.#reader.data(piece);
      return;
    }
    this.#pieces.push(piece);
    this.#buffered += piece.length;
    if (this.#buffered >= STREAM_HIGH_WATER_MARK) this.#source.pause();
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
    else this.#source.resume();
  }

  pause(): void {
    if (!this.#ended && !this.#failed) this.#source.pause();
  }

  resume(): void {
    if (!this.#ended && !this.#failed) this.#source.resume();
  }

  cancel(): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    this.#source.cancel();
  }
}

export interface BodyReader {
  data(piece: Buffer): void;
  end(): void;
  error(error: unknown): void;
}

/**
 * A streamed answer. `text()`/`json()`/`bytes()` collect the pieces directly; `body` makes a
 * web stream only when asked for.
 */
export class Http1Response extends LightResponse {
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
