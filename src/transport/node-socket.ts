/**
 * A connected `node:net` socket as berth's `RawConnection`. Used by the Node transport, and
 * by Bun, whose `node:net` implements half-close (`allowHalfOpen` + `end()`) the same way.
 */
import type net from "node:net";
import type { Duplex } from "node:stream";
import { DockerAbortError, DockerTimeoutError, connectionErrorFrom, type RequestSummary } from "../errors.js";
import type { RawConnection } from "./types.js";

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

  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on("data", (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) socket.pause();
        });
        socket.once("end", () => {
          if (readDone) return;
          readDone = true;
          controller.close();
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
          controller.error(error instanceof DockerAbortError ? error : connectionErrorFrom(error, endpointText));
        });
        socket.once("close", () => {
          if (readDone) return;
          readDone = true;
          controller.error(destroyed ? new DockerAbortError() : connectionErrorFrom(new Error("connection closed"), endpointText));
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        readDone = true;
        socket.destroy();
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  );

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
