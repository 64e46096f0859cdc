/**
 * Test doubles below the real daemon:
 * - `fetchTransport()`: a Transport whose fetch is the global fetch, so msw handlers answer it;
 * - `startRawServer()`: a `node:net` server on a unix socket writing HTTP/1.1 bytes by hand, for
 *   what msw cannot see (sockets, cut bodies, silence, upgrades).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Transport } from "../../src/index.js";

/** Origin msw handlers listen on for `fetchTransport()`. */
export const FAKE_ORIGIN = "http://docker";

/** A transport that sends every request through `globalThis.fetch` (where msw intercepts). */
export function fetchTransport(): Transport {
  return {
    endpoint: { kind: "tcp", host: "docker", port: 80, tls: undefined, basePath: "" },
    fetch: (request) =>
      globalThis.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | null,
        signal: request.signal ?? null,
        ...(request.body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit),
    connect: () => Promise.reject(new Error("fetchTransport has no raw connections")),
    close: async () => {},
  };
}

export interface RawServer {
  socketPath: string;
  host: string;
  /** Every connection accepted so far. */
  sockets: net.Socket[];
  close(): Promise<void>;
}

/** Starts a unix-socket server; `onConnection` writes whatever bytes the test wants. */
export async function startRawServer(onConnection: (socket: net.Socket, firstData: Promise<Buffer>) => void): Promise<RawServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-raw-"));
  const socketPath = path.join(dir, "s.sock");
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    const firstData = new Promise<Buffer>((resolve) => socket.once("data", resolve));
    onConnection(socket, firstData);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    host: `unix://${socketPath}`,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
