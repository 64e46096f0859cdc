/**
 * The multiplexed stream format of attach, exec and logs (API v1.10 "Attach to a container",
 * stream details): frames of an 8-byte header `{type, 0, 0, 0, size as big-endian uint32}`
 * and `size` payload bytes, type 0 stdin, 1 stdout, 2 stderr. Newer daemons also send type 3,
 * a system error (moby's stdcopy), when copying the container's output failed.
 *
 * `Demuxer` is the state machine: HEADER (8 bytes, assembled in a small buffer only when a
 * chunk boundary splits them), PAYLOAD (`remaining` bytes of one stream), SYSTEM_ERROR (the
 * error text, kept up to 64 KiB), then ENDED or FAILED. Payloads are never buffered: each is
 * handed on as views (`subarray`) into the incoming chunks, so a frame split across chunks
 * arrives as several pieces and `frameEnd` marks the last one. Memory stays bounded whatever
 * length a header declares.
 *
 * One repair, for podman 4.3, whose attach with `logs=1` declares each line's frame without its
 * newline (`{1,0,0,0,0,0,0,5}hello\n`): when the header after a frame is bad, starts with "\n",
 * and the bytes one further on make a good header, that newline is handed on as the end of the
 * frame before (once per frame), and counted in `repairedBytes`. A lone "\n" after the last
 * frame is taken the same way. `strictFraming: true` turns the repair off. Any other bad
 * header is a `DockerFramingError`.
 */
import { DockerFramingError, DockerProtocolError, DockerStreamError } from "../errors.js";

/** The stream a piece of output belongs to. */
export type StdStream = "stdin" | "stdout" | "stderr";

/** One piece of a frame's payload. */
export interface DemuxChunk {
  readonly stream: StdStream;
  /** A view into the chunk it arrived in; copy it if you keep it past the next read. */
  readonly data: Uint8Array;
  /** True on the piece that completes its frame (every piece of a frame shorter than one chunk). */
  readonly frameEnd: boolean;
}

/** Options of the demultiplexer. */
export interface DemuxOptions {
  /**
   * Largest payload length a header may declare; longer is taken for a corrupt stream. Only a
   * sanity bound (payloads are streamed, not buffered). Default `DEFAULT_MAX_FRAME_BYTES`;
   * `Infinity` accepts any uint32.
   */
  maxFrameBytes?: number | undefined;
  /** Fail on podman's one-byte frame overrun instead of repairing it (see `Demuxer`). Default false. */
  strictFraming?: boolean | undefined;
}

/** Bytes in a frame header. */
export const FRAME_HEADER_BYTES = 8;
/** Default `maxFrameBytes`: 64 MiB. The daemon writes frames of at most its 32 KiB copy buffer. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** How much of a system-error frame's text is kept. */
const MAX_SYSTEM_ERROR_BYTES = 64 * 1024;

const STREAM_NAMES: readonly StdStream[] = ["stdin", "stdout", "stderr"];
const SYSTEM_ERROR_TYPE = 3;
const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;

// Decoder states (plain numbers rather than an enum, so every runtime's type stripping accepts the file).
const HEADER = 0;
const PAYLOAD = 1;
const SYSTEM_ERROR = 2;
const ENDED = 3;
const FAILED = 4;

/**
 * Incremental decoder. `push(chunk, onChunk)` passes every decoded piece to `onChunk` in
 * order and throws at the first bad frame, after the pieces that precede it; `end()` is the
 * end of input and throws if it cuts a frame. Once failed, every later call throws the same
 * error. Errors: `DockerStreamError` for a system-error frame, `DockerProtocolError` for an
 * unknown type, non-zero padding, an over-long frame, or a truncated last frame.
 */
export class Demuxer {
  readonly #maxFrameBytes: number;
  #state: number = HEADER;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  #stream: StdStream = "stdout";
  #remaining = 0;
  #frameLength = 0;
  #errorText: Uint8Array = EMPTY;
  #errorFill = 0;
  #error: unknown;
  readonly #strict: boolean;
  /** Stream offset of the first byte of the chunk being decoded, and of the header being read. */
  #base = 0;
  #headerOffset = 0;
  /** The stream of the frame that just ended, while a repair of its length is allowed. */
  #repairable: StdStream | undefined;
  #repaired = 0;

  constructor(options: DemuxOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#strict = options.strictFraming === true;
  }

  /** Bytes handed on by the one-byte overrun repair (podman 4.3); 0 for a well-framed stream. */
  get repairedBytes(): number {
    return this.#repaired;
  }

  /** Decodes one chunk. */
  push(chunk: Uint8Array, onChunk: (piece: DemuxChunk) => void): void {
    if (this.#state >= ENDED) this.#rethrow("push after end");
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#state === HEADER) {
        if (this.#headerFill === 0) this.#headerOffset = this.#base + i;
        if (this.#headerFill === 0 && n - i >= FRAME_HEADER_BYTES) {
          if (this.#repairOverrun(chunk, i, onChunk)) {
            i += 1;
            continue;
          }
          this.#startFrame(chunk, i, onChunk);
          i += FRAME_HEADER_BYTES;
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, n - i);
          this.#header.set(chunk.subarray(i, i + take), this.#headerFill);
          this.#headerFill += take;
          i += take;
          if (this.#headerFill < FRAME_HEADER_BYTES) break;
          if (this.#repairOverrun(this.#header, 0, onChunk)) {
            this.#header.copyWithin(0, 1);
            this.#headerFill = FRAME_HEADER_BYTES - 1;
            continue;
          }
          this.#headerFill = 0;
          this.#startFrame(this.#header, 0, onChunk);
        }
      } else if (this.#state === PAYLOAD) {
        const take = this.#remaining < n - i ? this.#remaining : n - i;
        this.#remaining -= take;
        const frameEnd = this.#remaining === 0;
        if (frameEnd) this.#state = HEADER;
        onChunk({ stream: this.#stream, data: chunk.subarray(i, i + take), frameEnd });
        i += take;
      } else {
        const take = Math.min(this.#remaining, n - i);
        const keep = Math.min(take, this.#errorText.length - this.#errorFill);
        this.#errorText.set(chunk.subarray(i, i + keep), this.#errorFill);
        this.#errorFill += keep;
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) this.#fail(this.#systemError(false));
      }
    }
    this.#base += n;
  }

  /**
   * The input ended. Throws if it ended inside a frame. `onChunk` receives the last byte of an
   * overrun last frame (see `Demuxer`), if there is one.
   */
  end(onChunk?: (piece: DemuxChunk) => void): void {
    if (this.#state >= ENDED) this.#rethrow("end called twice");
    if (this.#state === SYSTEM_ERROR) this.#fail(this.#systemError(true));
    if (this.#state === PAYLOAD) {
      this.#fail(
        new DockerProtocolError(
          `stream ended inside a ${this.#stream} frame: ${this.#remaining} of ${this.#frameLength} payload bytes missing`,
        ),
      );
    }
    if (this.#headerFill === 1 && this.#header[0] === NEWLINE && this.#repairable !== undefined && onChunk) {
      this.#repaired += 1;
      onChunk({ stream: this.#repairable, data: this.#header.slice(0, 1), frameEnd: true });
      this.#headerFill = 0;
    }
    if (this.#headerFill > 0) {
      this.#fail(new DockerProtocolError(`stream ended inside a frame header (${this.#headerFill} of ${FRAME_HEADER_BYTES} bytes)`));
    }
    this.#state = ENDED;
  }

  /** True between frames: `end()` now would not throw. */
  get atFrameBoundary(): boolean {
    return this.#state === HEADER && this.#headerFill === 0;
  }

  #startFrame(bytes: Uint8Array, at: number, onChunk: (piece: DemuxChunk) => void): void {
    const type = bytes[at]!;
    const length = ((bytes[at + 4]! << 24) >>> 0) + ((bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!);
    const header = () => bytes.slice(at, at + FRAME_HEADER_BYTES);
    if (type > SYSTEM_ERROR_TYPE) {
      this.#fail(new DockerFramingError(`unknown stream type ${type}`, this.#headerOffset, header()));
    }
    if ((bytes[at + 1]! | bytes[at + 2]! | bytes[at + 3]!) !== 0) {
      this.#fail(
        new DockerFramingError(
          `padding bytes ${bytes[at + 1]}, ${bytes[at + 2]}, ${bytes[at + 3]} are not zero`,
          this.#headerOffset,
          header(),
        ),
      );
    }
    if (length > this.#maxFrameBytes) {
      this.#fail(
        new DockerFramingError(`frame of ${length} bytes exceeds maxFrameBytes (${this.#maxFrameBytes})`, this.#headerOffset, header()),
      );
    }
    this.#frameLength = length;
    this.#repairable = undefined;
    if (type === SYSTEM_ERROR_TYPE) {
      this.#remaining = length;
      this.#errorText = new Uint8Array(Math.min(length, MAX_SYSTEM_ERROR_BYTES));
      this.#errorFill = 0;
      this.#state = SYSTEM_ERROR;
      if (length === 0) this.#fail(this.#systemError(false));
      return;
    }
    this.#stream = STREAM_NAMES[type]!;
    this.#repairable = this.#strict ? undefined : this.#stream;
    if (length === 0) {
      onChunk({ stream: this.#stream, data: EMPTY, frameEnd: true });
      return;
    }
    this.#remaining = length;
    this.#state = PAYLOAD;
  }

  /**
   * podman's newline overrun: a payload frame just ended, the 8 bytes at `at` are "\n" and no
   * header, and the 8 from `at + 1` are a header's start (a stream type, zero padding). Hands the
   * newline on as the end of that frame and returns true; once per frame at most.
   */
  #repairOverrun(bytes: Uint8Array, at: number, onChunk: (piece: DemuxChunk) => void): boolean {
    const stream = this.#repairable;
    if (stream === undefined || bytes[at] !== NEWLINE) return false;
    if (bytes[at + 1]! > SYSTEM_ERROR_TYPE || (bytes[at + 2]! | bytes[at + 3]! | bytes[at + 4]!) !== 0) return false;
    this.#repairable = undefined;
    this.#repaired += 1;
    this.#headerOffset += 1;
    onChunk({ stream, data: bytes === this.#header ? bytes.slice(at, at + 1) : bytes.subarray(at, at + 1), frameEnd: true });
    return true;
  }

  #systemError(truncated: boolean): DockerStreamError {
    const text = new TextDecoder().decode(this.#errorText.subarray(0, this.#errorFill)).trim();
    const cut = this.#errorFill < this.#frameLength ? "…" : "";
    const message = `the daemon reported a stream error: ${text || "(no message)"}${cut}`;
    return truncated
      ? new DockerStreamError(message, {
          cause: new DockerProtocolError(`stream ended inside a system-error frame (${this.#remaining} bytes missing)`),
        })
      : new DockerStreamError(message);
  }

  #fail(error: unknown): never {
    this.#state = FAILED;
    this.#error = error;
    throw error;
  }

  #rethrow(what: string): never {
    if (this.#state === FAILED) throw this.#error;
    throw new DockerProtocolError(`demultiplexer misuse: ${what}`);
  }
}

/** Encodes one frame: the 8-byte header followed by `data` (UTF-8 if a string). */
export function encodeFrame(stream: StdStream | "system", data: Uint8Array | string): Uint8Array {
  const payload = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  frame[0] = stream === "system" ? SYSTEM_ERROR_TYPE : STREAM_NAMES.indexOf(stream);
  new DataView(frame.buffer).setUint32(4, payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * The stream form: write raw bytes to `writable`, read `DemuxChunk`s from `readable`
 * (`bytes.pipeThrough(new DemuxStream())`).
 *
 * Not a `TransformStream` on purpose: erroring a TransformStream discards the pieces still
 * queued on its readable side, so the output written just before a system-error frame could
 * be lost. Here an error is delivered only after every piece before it has been read. The
 * readable holds at most one input chunk's pieces; writes wait until they are read.
 */
export class DemuxStream implements ReadableWritablePair<DemuxChunk, Uint8Array> {
  readonly readable: ReadableStream<DemuxChunk>;
  readonly writable: WritableStream<Uint8Array>;

  constructor(options: DemuxOptions = {}) {
    const demuxer = new Demuxer(options);
    let controller!: ReadableStreamDefaultController<DemuxChunk>;
    let pendingError: { error: unknown } | undefined;
    let cancelled: { reason: unknown } | undefined;
    let onDrained: (() => void) | undefined;
    const enqueue = (piece: DemuxChunk) => controller.enqueue(piece);
    // With a high-water mark of 0, desiredSize is minus the queue length: 0 means nothing unread.
    const deliver = (error: unknown) => {
      if ((controller.desiredSize ?? 0) === 0) controller.error(error);
      else pendingError = { error };
    };
    const drained = () =>
      (controller.desiredSize ?? 0) === 0 || cancelled ? undefined : new Promise<void>((resolve) => (onDrained = resolve));

    this.readable = new ReadableStream<DemuxChunk>(
      {
        start(c) {
          controller = c;
        },
        pull() {
          if (pendingError) {
            controller.error(pendingError.error);
            return;
          }
          const resolve = onDrained;
          onDrained = undefined;
          resolve?.();
        },
        cancel(reason) {
          cancelled = { reason };
          onDrained?.();
        },
      },
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>({
      write(chunk) {
        if (cancelled) throw cancelled.reason;
        try {
          demuxer.push(chunk, enqueue);
        } catch (error) {
          deliver(error);
          throw error;
        }
        return drained();
      },
      close() {
        if (cancelled) return;
        try {
          demuxer.end(enqueue);
        } catch (error) {
          deliver(error);
          throw error;
        }
        controller.close();
      },
      abort(reason) {
        if (!cancelled) controller.error(reason);
      },
    });
  }
}
