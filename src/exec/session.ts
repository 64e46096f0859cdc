/**
 * `ExecSession`: a started exec instance's connection. It has the shape of an attach session
 * (and is one underneath, so framing, the stdout/stderr split, backpressure and half-close are
 * attach's), with `resize` going to the exec instance and the process's exit code on top.
 */
import type { Readable, Writable } from "node:stream";
import type { DockerApi } from "../api.js";
import type { TtySize } from "../attach/resize.js";
import type { AttachKind, AttachSession } from "../attach/session.js";
import type { DemuxChunk } from "../codecs/demux.js";
import { waitForExecExit } from "./inspect.js";
import { resizeExec } from "./resize.js";

/** A live exec. Read the output through one view only: see `AttachSession`. */
export class ExecSession implements Omit<AttachSession, "container"> {
  /** The exec instance's id. */
  readonly execId: string;
  /** Multiplexed frames, or raw bytes when the exec has a TTY. */
  readonly kind: AttachKind;
  /** The daemon's `Content-Type`. */
  readonly contentType: string | undefined;
  /** 101 (upgraded) or 200. */
  readonly status: number;
  /** All output in order, pieces tagged with their stream. Cancelling it closes the session. */
  readonly output: ReadableStream<DemuxChunk>;
  /** Input to the command (created with `AttachStdin`). `close()` half-closes: the command reads EOF. */
  readonly stdin: WritableStream<Uint8Array>;
  /** Settles when the output ended and the connection closed (see `AttachSession.closed`). */
  readonly closed: Promise<void>;

  readonly #docker: DockerApi<any>;
  readonly #session: AttachSession;

  /** @internal Use `startExec`. */
  constructor(docker: DockerApi<any>, execId: string, session: AttachSession) {
    this.#docker = docker;
    this.#session = session;
    this.execId = execId;
    this.kind = session.kind;
    this.contentType = session.contentType;
    this.status = session.status;
    this.output = session.output;
    this.stdin = session.stdin;
    this.closed = session.closed;
  }

  /** Standard output (everything, with a TTY). */
  get stdout(): ReadableStream<Uint8Array> {
    return this.#session.stdout;
  }

  /** Standard error (empty with a TTY). */
  get stderr(): ReadableStream<Uint8Array> {
    return this.#session.stderr;
  }

  /** The output as an async iterable of `{stream, data, frameEnd}`. */
  frames(): AsyncGenerator<DemuxChunk, void, undefined> {
    return this.#session.frames();
  }

  /** `stdout`, `stderr` and `stdin` as Node streams. */
  toNodeStreams(): { stdout: Readable; stderr: Readable; stdin: Writable } {
    return this.#session.toNodeStreams();
  }

  /** Resizes the exec's TTY (`POST /exec/{id}/resize`). */
  resize(size: TtySize, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return resizeExec(this.#docker, this.execId, size, options);
  }

  /**
   * Waits for the output to end (someone must be reading it) and for the process to exit,
   * and returns its exit code. Rejects with the error that ended the session, if one did.
   */
  async exitCode(options: { signal?: AbortSignal | undefined } = {}): Promise<number> {
    await this.closed;
    return waitForExecExit(this.#docker, this.execId, options);
  }

  /** Closes both directions now (see `AttachSession.close`). */
  close(): void {
    this.#session.close();
  }
}
