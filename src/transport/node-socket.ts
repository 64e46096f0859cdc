/**
 * A connected `node:net` socket as berth's `RawConnection`. Used by the Node transport, and
 * by Bun, whose `node:net` implements half-close (`allowHalfOpen` + `end()`) the same way.
 */
import type net from "node:net";
import type { Duplex } from "node:stream";
import { DockerAbortError, DockerTimeoutError, connectionErrorFrom, type RequestSummary } from "../errors.js";
import { DIRECT_BODY, type MaybeDirectBody } from "./messages.js";
import type { RawConnection } from "./types.js";

/** Bytes read from the socket and not yet taken before it pauses. */
const READ_HIGH_WATER_MARK = 256 * 1024;

/**
 * Wraps a connected socket (or another duplex byte stream: an ssh process, ssh-process.ts); it
 * must have been opened with `allowHalfOpen: true`.
 */
export function nodeSocketToRaw(socket: Duplex, endpointText: string, signal?: AbortSignal): RawConnection {
  let readDone = false;
  let destroyed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  socket.once("close", () => {
    signal?.removeEventListener("abort", onAbort);
    resolveClosed();
  });

  // The socket's chunks wait here (at most READ_HIGH_WATER_MARK bytes, then the socket pauses)
  // until the readable's pull or the direct iterator (DIRECT_BODY) takes them: the hijacked
  // output's bulk reader then skips a web-stream hop per chunk.
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  /** A read waiting for the next chunk: the chunk goes to it without the queue. */
  let waiting: { resolve: (result: ReadableStreamReadResult<Uint8Array>) => void; reject: (error: unknown) => void } | undefined;
  // Pausing and resuming only on a change: each call is work on Bun's node:net.
  let paused = false;
  const resume = () => {
    if (!paused) return;
    paused = false;
    socket.resume();
  };
  const endWaiting = () => {
    const read = waiting;
    waiting = undefined;
    if (!read) return;
    if (failure) read.reject(failure.error);
    else read.resolve({ done: true, value: undefined });
  };
  const fail = (error: unknown) => {
    failure = { error };
    // As a web stream's error does: what was queued unread is dropped.
    queue.length = 0;
    queued = 0;
    endWaiting();
  };

  socket.on("data", (chunk: Buffer) => {
    const view = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (waiting) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve({ done: false, value: view });
      return;
    }
    queue.push(view);
    queued += view.byteLength;
    if (queued >= READ_HIGH_WATER_MARK && !paused) {
      paused = true;
      socket.pause();
    }
  });
  socket.once("end", () => {
    if (readDone) return;
    readDone = true;
    ended = true;
    endWaiting();
    // The daemon closed its side; once ours is closed too, nothing keeps the socket open.
    if (socket.writableEnded) socket.destroy();
  });
  // `on`, not `once`: a TLS socket reports an error after the handshake (an alert from the
  // daemon) without being destroyed, and the ECONNRESET that follows is a second 'error'
  // event, which would crash the process without a listener (Node's _tls_wrap `onerror`).
  // The first error ends the stream and destroys the socket, so its descriptor is freed.
  socket.on("error", (error) => {
    if (!socket.destroyed) socket.destroy();
    if (readDone) return;
    readDone = true;
    fail(error instanceof DockerAbortError ? error : connectionErrorFrom(error, endpointText));
  });
  socket.once("close", () => {
    if (readDone) return;
    readDone = true;
    fail(destroyed ? new DockerAbortError() : connectionErrorFrom(new Error("connection closed"), endpointText));
  });

  const next = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    if (failure) return Promise.reject(failure.error);
    const chunk = queue.shift();
    if (chunk !== undefined) {
      queued -= chunk.byteLength;
      if (queued < READ_HIGH_WATER_MARK) resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (ended) return Promise.resolve({ done: true, value: undefined });
    resume();
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  };
  const cancel = () => {
    readDone = true;
    ended = true;
    queue.length = 0;
    queued = 0;
    endWaiting();
    socket.destroy();
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      // High-water mark 0: a chunk leaves the queue only for a read, so after any read the
      // stream holds nothing and DIRECT_BODY can take over once the reader is released.
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await next();
        } catch (error) {
          controller.error(error);
          return;
        }
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel,
    },
    { highWaterMark: 0 },
  );
  let direct = false;
  (readable as MaybeDirectBody)[DIRECT_BODY] = () => {
    if (direct || readable.locked) return undefined;
    direct = true;
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: next as () => Promise<IteratorResult<Uint8Array>>,
      return() {
        if (!ended && !failure) cancel();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  };

  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (socket.destroyed) throw connectionErrorFrom(new Error("connection closed"), endpointText);
      if (socket.write(chunk)) return;
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          socket.off("close", onClose);
          resolve();
        };
        const onClose = () => {
          socket.off("drain", onDrain);
          reject(connectionErrorFrom(new Error("connection closed while writing"), endpointText));
        };
        socket.once("drain", onDrain);
        socket.once("close", onClose);
      });
    },
    close() {
      // Half-close: FIN to the daemon, reading goes on.
      return new Promise<void>((resolve) => {
        if (socket.destroyed || socket.writableEnded) return resolve();
        socket.end(() => resolve());
        if (readDone) socket.destroy();
      });
    },
    abort() {
      close();
    },
  });

  function close() {
    if (destroyed) return;
    destroyed = true;
    socket.destroy();
  }
  function onAbort() {
    socket.destroy(new DockerAbortError({ cause: signal?.reason }));
    destroyed = true;
  }
  signal?.addEventListener("abort", onAbort, { once: true });

  return { readable, writable, close, closed };
}

/**
 * Waits until a `node:net` / `node:tls` socket is connected (TLS: handshake done), turning a
 * failure, the connect timeout or the caller's abort into berth's typed errors; the socket is
 * destroyed on any of them. Shared by the Node and Bun transports' raw connections.
 */
export function waitForConnect(
  socket: net.Socket,
  options: {
    secure: boolean;
    connectTimeoutMs: number;
    signal: AbortSignal | undefined;
    endpointText: string;
    /** The request the connection is for, named in the errors. */
    request?: RequestSummary | undefined;
  },
): Promise<void> {
  const { connectTimeoutMs, signal, endpointText, request } = options;
  const withRequest = request ? { request } : undefined;
  return new Promise<void>((resolve, reject) => {
    const timer =
      connectTimeoutMs > 0
        ? setTimeout(() => done(new DockerTimeoutError("connect", connectTimeoutMs, withRequest)), connectTimeoutMs)
        : undefined;
    const onAbort = () => done(new DockerAbortError({ cause: signal?.reason, ...withRequest }));
    const onError = (error: Error) => done(connectionErrorFrom(error, endpointText, request));
    function done(error?: unknown) {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve();
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once(options.secure ? "secureConnect" : "connect", () => done());
  });
}
