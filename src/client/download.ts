/**
 * `ByteStreamOperation`: how the client returns byte outputs (`exportContainer`,
 * `copyFromContainer`, `exportImage`: tar archives of any size). The body is never buffered
 * by berth: it reaches the caller as a `ReadableStream` read at the caller's pace, with
 * backpressure down to the socket, so memory stays bounded whatever the size. Ways to consume
 * it, one per operation:
 *
 * - `await op` or `await op.stream()`: the `ReadableStream`, once the daemon accepted the
 *   request (a 404 rejects here, before any byte);
 * - `for await (const chunk of op)`: the chunks; leaving the loop early cancels the request;
 * - `await op.pipeTo(destination)`: into a web `WritableStream` or a Node `Writable`;
 * - `await op.bytes()`: everything collected in memory (the convenience, for small outputs).
 *
 * Like `ProgressOperation`, it is lazy: the request is sent on first use.
 */
import { DockerAbortError, DockerError, isDockerError } from "../errors.js";
import { DIRECT_BODY, type MaybeDirectBody } from "../transport/messages.js";
import { MissingOutputStreamError } from "./errors.js";

/** The part of a Node `Writable` `pipeTo` uses (duck-typed: no Node import, so Bun and Deno load this file as is). */
export interface NodeWritableSink {
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  once(event: "drain" | "error" | "close" | "finish", listener: (...args: any[]) => void): unknown;
  removeListener(event: "drain" | "error" | "close" | "finish", listener: (...args: any[]) => void): unknown;
  destroy?(error?: Error): unknown;
}

/** Options of `pipeTo`. */
export interface PipeOptions {
  /** Leave the destination open at the end (default: close / `end()` it, as web streams do). */
  preventClose?: boolean | undefined;
  /** Stops the copy (default: the signal the call was made with). */
  signal?: AbortSignal | undefined;
}

/** A byte output of the daemon; see the file comment. */
export class ByteStreamOperation implements AsyncIterable<Uint8Array>, PromiseLike<ReadableStream<Uint8Array>> {
  readonly #open: () => Promise<ReadableStream<Uint8Array>>;
  readonly #signal: AbortSignal | undefined;
  #opened: Promise<ReadableStream<Uint8Array>> | undefined;
  #taken = false;

  /**
   * @param open sends the request and returns the response body (called on first use).
   * @param signal the call's AbortSignal; also stops iteration and `pipeTo` (see ProgressOperation).
   */
  constructor(open: () => Promise<ReadableStream<Uint8Array>>, signal?: AbortSignal) {
    this.#open = open;
    this.#signal = signal;
  }

  /** The body as a web stream (the same stream on every call). */
  stream(): Promise<ReadableStream<Uint8Array>> {
    this.#opened ??= this.#open();
    return this.#opened;
  }

  then<A = ReadableStream<Uint8Array>, B = never>(
    onFulfilled?: ((value: ReadableStream<Uint8Array>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.stream().then(onFulfilled, onRejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const stream = await this.#unread();
    // The transport's own chunk iterator when it offers one (Node): no web stream per chunk.
    const direct = (stream as MaybeDirectBody)[DIRECT_BODY]?.();
    const reader = direct ? undefined : stream.getReader();
    let done = false;
    try {
      for (;;) {
        const next = direct ? await direct.next() : await reader!.read();
        if (next.done) {
          done = true;
          return;
        }
        if (this.#signal?.aborted) throw new DockerAbortError({ cause: this.#signal.reason });
        yield next.value;
      }
    } finally {
      if (!done) await (direct ? direct.return?.() : reader!.cancel().catch(() => undefined));
      reader?.releaseLock();
    }
  }

  /** Collects the whole output in memory. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of this) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    if (chunks.length === 1) return chunks[0]!;
    const result = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      result.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return result;
  }

  /**
   * Writes the output into `destination`, honouring its backpressure, and resolves when all of
   * it was written (and, unless `preventClose`, the destination closed / ended).
   * @throws MissingOutputStreamError without a usable destination.
   */
  async pipeTo(destination: WritableStream<Uint8Array> | NodeWritableSink, options: PipeOptions = {}): Promise<void> {
    const target = toWritable(destination);
    const source = await this.#unread();
    const signal = options.signal ?? this.#signal;
    const direct = isNodeWritable(destination) ? (source as MaybeDirectBody)[DIRECT_BODY]?.() : undefined;
    if (direct && isNodeWritable(destination)) return pipeDirect(direct, destination, options.preventClose === true, signal);
    try {
      await source.pipeTo(target, { preventClose: options.preventClose === true, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted && !isDockerError(error)) throw new DockerAbortError({ cause: signal.reason });
      throw error;
    }
  }

  /** The stream, for the one consumer berth runs (iteration, `bytes`, `pipeTo`). */
  async #unread(): Promise<ReadableStream<Uint8Array>> {
    if (this.#taken) throw new DockerError("the output was already consumed: read an operation's output once");
    this.#taken = true;
    const stream = await this.stream();
    if (stream.locked) throw new DockerError("the output stream is being read elsewhere: read an operation's output once");
    return stream;
  }
}

/**
 * Copies the transport's chunk iterator into a Node `Writable` (no web stream on either side),
 * waiting for `drain` when it is full. An abort or a failure on either side stops both: the
 * request is cancelled and the destination destroyed (pipeTo rejects with the reason); otherwise
 * the destination is ended unless `preventClose`.
 */
async function pipeDirect(
  source: AsyncIterableIterator<Uint8Array>,
  sink: NodeWritableSink,
  preventClose: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  // No Promise.race against a long-lived "stopped" promise: each race would stay attached to it
  // and keep its chunk alive. A stop cancels the source (a pending `next()` then ends) and wakes
  // a pending drain or end wait instead.
  let stopError: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const stop = (error: unknown) => {
    if (stopError) return;
    stopError = { error };
    void source.return?.();
    wake?.();
  };
  const throwIfStopped = () => {
    if (stopError) throw stopError.error;
  };
  const onAbort = () => stop(new DockerAbortError({ cause: signal?.reason }));
  const onSinkError = (error?: Error) => stop(error ?? new DockerError("the output stream closed before all bytes were written"));
  const onSinkClose = () => onSinkError();
  const wait = (start: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      start(resolve);
    }).finally(() => (wake = undefined));
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  sink.once("error", onSinkError);
  sink.once("close", onSinkClose);
  try {
    for (;;) {
      throwIfStopped();
      const next = await source.next();
      throwIfStopped();
      if (next.done) break;
      if (!sink.write(next.value)) {
        let onDrain: (() => void) | undefined;
        await wait((done) => sink.once("drain", (onDrain = done)));
        sink.removeListener("drain", onDrain!);
      }
    }
    sink.removeListener("close", onSinkClose);
    if (!preventClose) await wait((done) => sink.end(done));
    throwIfStopped();
  } catch (error) {
    void source.return?.();
    // Destroyed without the error: the caller gets it from pipeTo, and an 'error' event on a
    // Writable nobody listens to would crash the process.
    sink.destroy?.();
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    sink.removeListener("error", onSinkError);
    sink.removeListener("close", onSinkClose);
  }
}

/** A `ReadableStream` with nothing in it (answers with no body). */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function toWritable(destination: unknown): WritableStream<Uint8Array> {
  if (destination instanceof WritableStream) return destination;
  if (isNodeWritable(destination)) return nodeWritableToWeb(destination);
  throw new MissingOutputStreamError();
}

function isNodeWritable(value: unknown): value is NodeWritableSink {
  const candidate = value as Partial<NodeWritableSink> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.write === "function" &&
    typeof candidate.end === "function" &&
    typeof candidate.once === "function"
  );
}

/** A Node `Writable` as a web `WritableStream`: a write waits for `drain` when the Writable's buffer is full. */
function nodeWritableToWeb(sink: NodeWritableSink): WritableStream<Uint8Array> {
  const waitFor = (event: "drain" | "finish") =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        cleanup();
        resolve();
      };
      const failed = (error?: Error) => {
        cleanup();
        reject(error ?? new DockerError("the output stream closed before all bytes were written"));
      };
      const closed = () => failed();
      const cleanup = () => {
        sink.removeListener(event, done);
        sink.removeListener("error", failed);
        sink.removeListener("close", closed);
      };
      sink.once(event, done);
      sink.once("error", failed);
      sink.once("close", closed);
    });
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (!sink.write(chunk)) await waitFor("drain");
    },
    async close() {
      const finished = waitFor("finish");
      sink.end();
      await finished;
    },
    abort() {
      // Without the reason: pipeTo rejects with it, and an 'error' event on a Writable nobody
      // listens to would crash the process.
      sink.destroy?.();
    },
  });
}
