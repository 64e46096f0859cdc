/**
 * Byte outputs on Node take the transport's chunk iterator instead of a web stream
 * (`DIRECT_BODY`, used by `ByteStreamOperation` iteration and `pipeTo` into a Node Writable).
 * Against a raw server: every byte arrives, backpressure reaches the socket, leaving early or
 * aborting cancels the request, and a failing destination stops the copy.
 */
import { Writable } from "node:stream";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DockerClient } from "../../src/client/index.js";
import { DockerAbortError, DockerConnectionError } from "../../src/errors.js";
import { DIRECT_BODY, type MaybeDirectBody } from "../../src/transport/messages.js";
import { startRawServer, type RawServer } from "../helpers/fake-daemon.js";

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TOTAL = 8 * 1024 * 1024;

/** Answers every request with a chunked tar-typed body of `TOTAL` bytes (byte i = i mod 251), honouring backpressure. */
async function tarServer(): Promise<{ written: () => number; sockets: net.Socket[] }> {
  let written = 0;
  const sockets: net.Socket[] = [];
  server = await startRawServer((socket) => {
    sockets.push(socket);
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n");
      const pump = () => {
        while (written < TOTAL && !socket.destroyed) {
          const size = Math.min(32 * 1024, TOTAL - written);
          const chunk = Buffer.alloc(size);
          for (let i = 0; i < size; i++) chunk[i] = (written + i) % 251;
          written += size;
          socket.write(`${size.toString(16)}\r\n`);
          socket.write(chunk);
          if (!socket.write("\r\n")) return void socket.once("drain", pump);
        }
        if (!socket.destroyed) socket.write("0\r\n\r\n");
      };
      pump();
    });
  });
  return { written: () => written, sockets };
}

const client = () => new DockerClient({ host: server!.host, apiVersion: "1.41" });

/** The number of bytes, after checking each is the server's (byte i = i mod 251). */
function checkBytes(chunks: readonly Uint8Array[]): number {
  let at = 0;
  let firstWrong = -1;
  for (const chunk of chunks) {
    for (const byte of chunk) {
      if (firstWrong < 0 && byte !== at % 251) firstWrong = at;
      at++;
    }
  }
  expect(firstWrong).toBe(-1);
  return at;
}

describe("byte outputs without a web stream (Node transport)", () => {
  it("the Node transport's body stream offers DIRECT_BODY until someone reads it", async () => {
    await tarServer();
    const docker = client();
    const stream = (await docker.exportContainer({ id: "c" }).stream()) as ReadableStream<Uint8Array> & MaybeDirectBody;
    expect(typeof stream[DIRECT_BODY]).toBe("function");
    const reader = stream.getReader();
    await reader.read();
    expect(stream[DIRECT_BODY]!()).toBeUndefined();
    await reader.cancel();
    await docker.close();
  });

  it("iteration delivers every byte in order, and stalls the server while the loop does not ask", async () => {
    const { written } = await tarServer();
    const docker = client();
    const chunks: Uint8Array[] = [];
    let paused = false;
    for await (const chunk of docker.exportContainer({ id: "c" })) {
      chunks.push(chunk);
      if (!paused && chunks.length === 2) {
        paused = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        // Far less than the 8 MiB left the server while nobody asked for more.
        expect(written()).toBeLessThan(4 * 1024 * 1024);
      }
    }
    expect(checkBytes(chunks)).toBe(TOTAL);
    await docker.close();
  });

  it("leaving the loop early cancels the request: the connection is closed", async () => {
    const { sockets } = await tarServer();
    const docker = client();
    for await (const chunk of docker.exportContainer({ id: "c" })) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true);
    await docker.close();
  });

  it("pipeTo a slow Node Writable: every byte, written at the destination's pace", async () => {
    const { written } = await tarServer();
    const docker = client();
    const received: Buffer[] = [];
    let maxAhead = 0;
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        const got = received.reduce((n, c) => n + c.length, 0);
        maxAhead = Math.max(maxAhead, written() - got);
        setTimeout(callback, 1);
      },
    });
    await docker.exportContainer({ id: "c" }).pipeTo(sink);
    expect(checkBytes(received)).toBe(TOTAL);
    expect(sink.writableFinished).toBe(true);
    // Socket buffers, the 256 KiB queue and the Writable's own buffer: bounded, far below 8 MiB.
    expect(maxAhead).toBeLessThan(3 * 1024 * 1024);
    await docker.close();
  });

  it("pipeTo with preventClose leaves the destination open", async () => {
    await tarServer();
    const docker = client();
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await docker.exportContainer({ id: "c" }).pipeTo(sink, { preventClose: true });
    expect(sink.writableEnded).toBe(false);
    sink.end();
    await docker.close();
  });

  it("an abort during pipeTo stops it with DockerAbortError, cancels the request and destroys the destination", async () => {
    const { sockets } = await tarServer();
    const docker = client();
    const controller = new AbortController();
    const sink = new Writable({ write: (_chunk, _encoding, callback) => void setTimeout(callback, 5) });
    const piping = docker.exportContainer({ id: "c" }).pipeTo(sink, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("enough")), 50);
    await expect(piping).rejects.toBeInstanceOf(DockerAbortError);
    expect(sink.destroyed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true);
    await docker.close();
  });

  it("a destination that fails stops the copy with its error and cancels the request", async () => {
    const { sockets } = await tarServer();
    const docker = client();
    let writes = 0;
    const sink = new Writable({
      write: (_chunk, _encoding, callback) => callback(++writes === 3 ? new Error("disk full") : null),
    });
    await expect(docker.exportContainer({ id: "c" }).pipeTo(sink)).rejects.toThrow("disk full");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true);
    await docker.close();
  });

  it("a body cut by the server is a DockerConnectionError, through iteration and pipeTo", async () => {
    server = await startRawServer((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        setTimeout(() => socket.destroy(), 20);
      });
    });
    const docker = client();
    const iterate = async () => {
      for await (const chunk of docker.exportContainer({ id: "c" })) expect(chunk.byteLength).toBe(5);
    };
    await expect(iterate()).rejects.toBeInstanceOf(DockerConnectionError);
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await expect(docker.exportContainer({ id: "c" }).pipeTo(sink)).rejects.toBeInstanceOf(DockerConnectionError);
    await docker.close();
  });
});
