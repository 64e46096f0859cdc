/**
 * An attached container's connection as streams: the output (demultiplexed or raw), its
 * stdout/stderr split, and the input with half-close.
 *
 * Flow and memory: nothing is read from the socket until someone reads the output. `output`
 * is a pull stream with no queue of its own (one socket chunk's pieces at most); the transport
 * buffers at most its high-water mark (256 KiB on Node/Bun) and then stops reading the socket,
 * so the daemon stops sending. The stdout/stderr split is a tee: each side queues at most
 * `highWaterMark` bytes, and the socket is read only while every side that is still open has
 * room, so output that nobody reads stalls the other side instead of growing or being dropped.
 * Cancel the side you do not want (or do not attach it) to let the other flow alone.
 */
import type { DockerApi } from "../api.js";
import { Demuxer, type DemuxChunk } from "../codecs/demux.js";
import { DockerAbortError } from "../errors.js";
import { DIRECT_BODY, type MaybeDirectBody } from "../transport/messages.js";
import type { HijackedConnection } from "./hijack.js";
import { copySource, openSink, type ByteSink, type ByteSource } from "./io.js";
import { toNodeStreams, type AttachNodeStreams } from "./node-streams.js";
import { resizeContainerTTY, type TtySize } from "./resize.js";

/** How the output is framed: multiplexed 8-byte-header frames, or raw TTY bytes. */
export type AttachKind = "multiplexed" | "raw";

/** Default bytes each side of the stdout/stderr split may queue. */
export const DEFAULT_SPLIT_HIGH_WATER_MARK = 1024 * 1024;

/** Everything a session is built from (see `attachToContainer`). */
export interface AttachSessionInit {
  docker: DockerApi<any>;
  container: string;
  connection: HijackedConnection;
  kind: AttachKind;
  signal?: AbortSignal | undefined;
  maxFrameBytes?: number | undefined;
  highWaterMark?: number | undefined;
  outputStream?: ByteSink | undefined;
  errorStream?: ByteSink | undefined;
  inputStream?: ByteSource | undefined;
}

/**
 * A live attach. Read the output through one of: `output` (pieces tagged with their stream),
 * `frames()` (the same as an async iterable), `stdout` + `stderr` (two byte streams), or the
 * `outputStream`/`errorStream` sinks given to `attachToContainer`. They are alternative views of
 * one connection, so the first one used locks the others (a `TypeError` from the stream API).
 */
export class AttachSession {
  /** Multiplexed frames or raw TTY bytes. */
  readonly kind: AttachKind;
  /** The daemon's `Content-Type` (Docker 20.10 sends `application/vnd.docker.raw-stream` for both kinds). */
  readonly contentType: string | undefined;
  /** 101 (upgraded) or 200 (plain answer, the stream follows). */
  readonly status: number;
  /** The container id or name attached to. */
  readonly container: string;
  /**
   * All output in order. In raw (TTY) mode every piece is `stdout` with `frameEnd: true`;
   * `stdin` pieces are the daemon's echo of input. Cancelling it closes the session.
   */
  readonly output: ReadableStream<DemuxChunk>;
  /**
   * Input to the container. `close()` half-closes the connection: the container reads EOF
   * (if created with `OpenStdin` and `StdinOnce`) while output keeps flowing. `abort()` drops
   * the connection. Locked when `inputStream` was given.
   */
  readonly stdin: WritableStream<Uint8Array>;
  /**
   * Settles when the session is over and the connection closed: resolves after the daemon
   * ended the output (and the sinks took all of it) or after `close()`, rejects with the error
   * that ended it (`DockerAbortError` for the signal, `DockerStreamError`, `DockerProtocolError`,
   * a connection or sink error). Stays pending while nobody reads the output.
   */
  readonly closed: Promise<void>;

  readonly #docker: DockerApi<any>;
  readonly #connection: HijackedConnection;
  readonly #signal: AbortSignal | undefined;
  readonly #highWaterMark: number;
  #split: { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> } | undefined;
  #finished = false;
  #closedByCaller = false;
  #settle!: (error?: unknown) => void;
  #stopInput: (() => void) | undefined;
  /** Errors the views at once (output, stdout/stderr): queued output is dropped, as the signal asked. */
  #failViews: ((error: unknown) => void)[] = [];
  #byteReader!: ReturnType<typeof byteReader>;
  #demuxer: Demuxer | undefined;
  /** Set once the output stream pulled (or `frames()` took the pieces directly). */
  #outputPulled = false;
  /** An error found after pieces were handed on: thrown once they are read. */
  #pendingError: { error: unknown } | undefined;
  /** The abort that failed the views, for the direct `frames()` reader. */
  #viewFailure: { error: unknown } | undefined;
  readonly #onAbort = () => {
    const error = this.#abortError();
    // Without this, output queued in the split before the abort stays readable until the
    // socket read fails, which on Deno resolves a macrotask later (a read after the abort got data).
    for (const fail of this.#failViews) fail(error);
    this.#finish(error);
  };

  /** @internal Use `attachToContainer`. */
  constructor(init: AttachSessionInit) {
    this.#docker = init.docker;
    this.#connection = init.connection;
    this.#signal = init.signal;
    this.#highWaterMark = Math.max(1, init.highWaterMark ?? DEFAULT_SPLIT_HIGH_WATER_MARK);
    this.kind = init.kind;
    this.contentType = init.connection.contentType;
    this.status = init.connection.status;
    this.container = init.container;
    this.stdin = init.connection.writable;
    this.closed = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        const done = () => (error === undefined ? resolve() : reject(error));
        init.connection.closed.then(done, done);
      };
    });
    // `closed` is optional to observe; an unobserved rejection must not crash the process.
    this.closed.catch(() => {});
    this.output = this.#createOutput(init.maxFrameBytes);

    if (this.#signal?.aborted) this.#onAbort();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (init.inputStream !== undefined) this.#startInput(init.inputStream);
    if (init.outputStream !== undefined || init.errorStream !== undefined) this.#startSinks(init.outputStream, init.errorStream);
  }

  /** Standard output (with the stdin echo, and everything in raw mode). Splits `output`; see the class doc. */
  get stdout(): ReadableStream<Uint8Array> {
    return this.#splitOutput().stdout;
  }

  /** Standard error; in raw (TTY) mode it stays empty and ends with the output. */
  get stderr(): ReadableStream<Uint8Array> {
    return this.#splitOutput().stderr;
  }

  /** The output as an async iterable of `{stream, data, frameEnd}`. Leaving the loop early closes the session. */
  frames(): AsyncGenerator<DemuxChunk, void, undefined> {
    // Not read yet: the pieces come straight from the decoder, without the output stream's
    // per-piece work (a log stream has one piece per line). `output` stays locked meanwhile.
    return this.#outputPulled || this.output.locked ? this.#streamFrames(this.output.getReader()) : this.#directFrames();
  }

  async *#streamFrames(reader: ReadableStreamDefaultReader<DemuxChunk>): AsyncGenerator<DemuxChunk, void, undefined> {
    let ended = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          return;
        }
        yield value;
      }
    } catch (error) {
      ended = true;
      throw error;
    } finally {
      if (!ended) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }

  /**
   * The pieces without the output stream, as a hand-written async iterator: a piece already
   * decoded costs one resolved promise (an async generator's yield costs several, and a log
   * stream has one piece per line). Locks `output` at the first `next()`, as a generator would.
   */
  #directFrames(): AsyncGenerator<DemuxChunk, void, undefined> {
    let reader: ReadableStreamDefaultReader<DemuxChunk> | undefined;
    const pieces: DemuxChunk[] = [];
    let index = 0;
    let finished = false;
    /** The output ended: what its end produced (a repaired last newline) is still handed on first. */
    let ended = false;
    let pending: Promise<IteratorResult<DemuxChunk, void>> | undefined;
    const push = (piece: DemuxChunk) => {
      pieces.push(piece);
    };
    const doneResult = (): IteratorResult<DemuxChunk, void> => ({ done: true, value: undefined });
    const finish = () => {
      if (finished) return;
      finished = true;
      pieces.length = 0;
      reader?.releaseLock();
    };
    const fill = async (): Promise<IteratorResult<DemuxChunk, void>> => {
      try {
        for (;;) {
          if (finished) return doneResult();
          this.#throwViewFailure();
          if (index < pieces.length) return { done: false, value: pieces[index++]! };
          if (ended) {
            finish();
            return doneResult();
          }
          pieces.length = 0;
          index = 0;
          if ((await this.#readPieces(push)) === "end") ended = true;
        }
      } catch (error) {
        finish();
        throw error;
      } finally {
        pending = undefined;
      }
    };
    const next = (): Promise<IteratorResult<DemuxChunk, void>> => {
      if (pending) return pending.then(next, next);
      if (finished) return Promise.resolve(doneResult());
      if (reader === undefined) {
        try {
          reader = this.output.getReader();
        } catch (error) {
          finished = true;
          return Promise.reject(error);
        }
        this.#outputPulled = true;
      }
      if (index < pieces.length && !this.#viewFailure) return Promise.resolve({ done: false, value: pieces[index++]! });
      pending = fill();
      return pending;
    };
    // Leaving early (break, return, throw) closes the session, as with the stream's reader.
    const stop = () => {
      if (finished) return;
      const started = reader !== undefined;
      finish();
      if (started) this.#cancelOutput();
    };
    const iterator: AsyncGenerator<DemuxChunk, void, undefined> = {
      next,
      return: () => {
        stop();
        return Promise.resolve(doneResult());
      },
      throw: (error: unknown) => {
        stop();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** `stdout`, `stderr` and `stdin` as Node streams (Readable, Readable, Writable). */
  toNodeStreams(): AttachNodeStreams {
    return toNodeStreams(this);
  }

  /** Resizes the container's TTY (`POST /containers/{id}/resize`). */
  resize(size: TtySize, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return resizeContainerTTY(this.#docker, this.container, size, options);
  }

  /** Closes both directions now. Output not yet read is dropped and the streams end; `closed` resolves. */
  close(): void {
    this.#closedByCaller = true;
    this.#finish();
  }

  #abortError(): DockerAbortError {
    return new DockerAbortError({ cause: this.#signal?.reason, request: this.#connection.request });
  }

  #finish(error?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#stopInput?.();
    // After the daemon's EOF only our write side is left; after anything else this drops it all.
    this.#connection.close();
    this.#settle(error);
  }

  #createOutput(maxFrameBytes: number | undefined): ReadableStream<DemuxChunk> {
    this.#byteReader = byteReader(this.#connection.readable);
    this.#demuxer = this.kind === "multiplexed" ? new Demuxer({ maxFrameBytes }) : undefined;
    this.#failViews.push((error) => (this.#viewFailure ??= { error }));
    return new ReadableStream<DemuxChunk>(
      {
        start: (controller) => {
          this.#failViews.push((error) => controller.error(error));
        },
        pull: async (controller) => {
          this.#outputPulled = true;
          let result: "more" | "end";
          try {
            result = await this.#readPieces((piece) => controller.enqueue(piece));
          } catch (error) {
            controller.error(error);
            return;
          }
          if (result === "end") controller.close();
        },
        cancel: () => this.#cancelOutput(),
      },
      { highWaterMark: 0 },
    );
  }

  #throwViewFailure(): void {
    if (this.#viewFailure) throw this.#viewFailure.error;
  }

  #cancelOutput(): void {
    this.#closedByCaller = true;
    this.#finish();
    this.#byteReader.cancel().catch(() => {});
  }

  /**
   * Reads the connection until at least one piece was handed to `onPiece` ("more") or the
   * output ended ("end"); throws the error that ended it. An error found after pieces of the
   * same read were handed on is thrown by the next call, so those pieces are read first (see
   * DemuxStream).
   */
  async #readPieces(onPiece: (piece: DemuxChunk) => void): Promise<"more" | "end"> {
    if (this.#pendingError) throw this.#pendingError.error;
    const demuxer = this.#demuxer;
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.#byteReader.read();
      } catch (error) {
        if (this.#closedByCaller) return "end";
        const failure = this.#signal?.aborted ? this.#abortError() : error;
        this.#finish(failure);
        throw failure;
      }
      if (result.done) {
        try {
          demuxer?.end(onPiece);
        } catch (error) {
          this.#finish(error);
          throw error;
        }
        this.#finish();
        return "end";
      }
      if (!demuxer) {
        if (result.value.length === 0) continue;
        onPiece({ stream: "stdout", data: result.value, frameEnd: true });
        return "more";
      }
      let produced = false;
      try {
        demuxer.push(result.value, (piece) => {
          if (piece.data.length === 0) return;
          produced = true;
          onPiece(piece);
        });
      } catch (error) {
        this.#finish(error);
        if (!produced) throw error;
        this.#pendingError = { error };
        return "more";
      }
      if (produced) return "more";
    }
  }

  #splitOutput(): { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> } {
    if (this.#split) return this.#split;
    const reader = this.output.getReader();
    const strategy = { highWaterMark: this.#highWaterMark, size: (chunk: Uint8Array) => chunk.byteLength };
    const sides: { controller: ReadableStreamDefaultController<Uint8Array>; open: boolean }[] = [];
    let reading = false;
    const anyOpen = () => sides.some((side) => side.open);
    // Read on only while every open side has room: the tee bound described at the top of the file.
    const canRead = () => anyOpen() && sides.every((side) => !side.open || (side.controller.desiredSize ?? 0) > 0);
    const endAll = (error?: unknown) => {
      for (const side of sides) {
        if (!side.open) continue;
        side.open = false;
        if (error === undefined) side.controller.close();
        else side.controller.error(error);
      }
    };
    const pump = () => {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          while (canRead()) {
            const { done, value } = await reader.read();
            if (done) {
              endAll();
              break;
            }
            const side = sides[value.stream === "stderr" ? 1 : 0]!;
            if (side.open) side.controller.enqueue(value.data);
          }
        } catch (error) {
          endAll(error);
        } finally {
          // Set synchronously with the last canRead() check, so no pull can be missed.
          reading = false;
        }
      })();
    };
    const side = (): ReadableStream<Uint8Array> => {
      const entry = { controller: undefined as unknown as ReadableStreamDefaultController<Uint8Array>, open: true };
      sides.push(entry);
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            entry.controller = controller;
          },
          pull: pump,
          cancel() {
            entry.open = false;
            if (anyOpen()) pump();
            else reader.cancel().catch(() => {});
          },
        },
        strategy,
      );
    };
    this.#failViews.push(endAll);
    this.#split = { stdout: side(), stderr: side() };
    return this.#split;
  }

  #startSinks(outputStream: ByteSink | undefined, errorStream: ByteSink | undefined): void {
    const reader = this.output.getReader();
    const out = outputStream ? openSink(outputStream) : undefined;
    const err = errorStream ? openSink(errorStream) : undefined;
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // Like the Go client, a stream without a sink is discarded: do not attach it if unwanted.
          const sink = value.stream === "stderr" ? err : out;
          if (sink) await sink.write(value.data);
        }
      } catch (error) {
        this.#finish(error);
        reader.cancel().catch(() => {});
      } finally {
        out?.release();
        err?.release();
      }
    })();
  }

  #startInput(source: ByteSource): void {
    const writer = this.#connection.writable.getWriter();
    const copy = copySource(source, (chunk) => writer.write(chunk));
    this.#stopInput = copy.stop;
    copy.done.then(
      // The input ended: half-close, so the container sees EOF and the output runs to its end.
      () => (this.#finished ? undefined : writer.close().catch(() => {})),
      (error: unknown) => this.#finish(error),
    );
  }
}

/**
 * Reads the connection's bytes: through the transport's direct iterator when the stream offers
 * one (a logs body on berth's HTTP/1.1 client: no web-stream hop per piece), else its reader.
 */
function byteReader(readable: ReadableStream<Uint8Array>): {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<unknown>;
} {
  const direct = (readable as MaybeDirectBody)[DIRECT_BODY]?.();
  if (!direct) return readable.getReader();
  return {
    read: () => direct.next() as Promise<ReadableStreamReadResult<Uint8Array>>,
    cancel: () => direct.return?.() ?? Promise.resolve(),
  };
}
