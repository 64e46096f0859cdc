/**
 * `ContainerLogStream`: a container's logs as they arrive, in the views an attach session
 * offers (it is one underneath, reading the logs body instead of a hijacked socket), minus the
 * input side.
 */
import type { AttachKind, AttachSession } from "../attach/session.js";
import type { DemuxChunk } from "../codecs/demux.js";

/** An open logs stream. Read it through one view only (see `AttachSession`). */
export class ContainerLogStream implements AsyncIterable<DemuxChunk> {
  /** Multiplexed frames, or raw bytes for a container with a TTY (everything is then stdout). */
  readonly kind: AttachKind;
  /** The daemon's `Content-Type` (none on API 1.41 and older). */
  readonly contentType: string | undefined;
  /** All log output in order, pieces tagged with their stream. Cancelling it closes the stream. */
  readonly output: ReadableStream<DemuxChunk>;
  /**
   * Settles when the logs ended: resolves at the daemon's end of the body (without `follow`,
   * after the last line; with it, when the container stops) or after `close()`; rejects with
   * the error that ended it. Stays pending while nobody reads.
   */
  readonly closed: Promise<void>;

  readonly #session: AttachSession;

  /** @internal Use `containerLogs`. */
  constructor(session: AttachSession) {
    this.#session = session;
    this.kind = session.kind;
    this.contentType = session.contentType;
    this.output = session.output;
    this.closed = session.closed;
  }

  /** The container's stdout lines (everything for a TTY container). */
  get stdout(): ReadableStream<Uint8Array> {
    return this.#session.stdout;
  }

  /** The container's stderr lines (empty for a TTY container). */
  get stderr(): ReadableStream<Uint8Array> {
    return this.#session.stderr;
  }

  /** The output as an async iterable of `{stream, data, frameEnd}`. Leaving the loop early closes the stream. */
  frames(): AsyncGenerator<DemuxChunk, void, undefined> {
    return this.#session.frames();
  }

  /** Same as `frames()`: `for await (const { stream, data } of logs)`. */
  [Symbol.asyncIterator](): AsyncGenerator<DemuxChunk, void, undefined> {
    return this.frames();
  }

  /** Stops reading and releases the connection; unread output is dropped and `closed` resolves. */
  close(): void {
    this.#session.close();
  }
}
