/**
 * berth's HTTP/1.1 client (src/transport/http1-*.ts; on Node, Bun and Deno) against raw servers that write
 * exactly the bytes under test: body framing (chunked with extensions and trailers, split at
 * any byte; Content-Length; until close), interim answers, keep-alive reuse and its limits,
 * stale pooled connections, the connection bound, request bodies, and malformed answers.
 */
import { spawnSync } from "node:child_process";
import type net from "node:net";
import { connect as netConnect } from "node:net";
import { Duplex } from "node:stream";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createDockerApi } from "../../src/api.js";
import { DockerAbortError, DockerConnectionError, DockerProtocolError, InvalidOptionError } from "../../src/errors.js";
import { Http1Pool, type Http1DialOptions } from "../../src/transport/http1-pool.js";
import { DIRECT_BODY, DockerRequest, type MaybeDirectBody } from "../../src/transport/messages.js";
import { STREAM_HIGH_WATER_MARK } from "../../src/transport/http1-body.js";
import { startRawServer, type RawServer } from "../helpers/fake-daemon.js";

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const api = (host: string, extra: { maxSockets?: number } = {}) =>
  createDockerApi<any>({ host, apiVersion: "1.41", preferredVersion: "1.41", ...extra });

const get = (docker: ReturnType<typeof api>, path: string, init: ConstructorParameters<typeof DockerRequest>[1] = {}) =>
  docker.transport.fetch(new DockerRequest(`http://docker${path}`, init));

/** Reads request heads (and Content-Length bodies) off a socket; calls `answer` for each. */
function onRequests(socket: net.Socket, answer: (head: string, body: Buffer, index: number) => void): void {
  let buffered = Buffer.alloc(0);
  let index = 0;
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
      answer(head, body, index++);
    }
  });
}

/** Writes `pieces` one per event-loop turn, so the client reads them separately. */
async function writeApart(socket: net.Socket, pieces: readonly (string | Uint8Array)[]): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function chunkedBody(chunks: readonly Uint8Array[], extensions: boolean, trailer: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extensions ? ';name="v"' : ""}\r\n`), Buffer.from(chunk), Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`0\r\n${trailer ? "X-Trailer: yes\r\n" : ""}\r\n`));
  return Buffer.concat(parts);
}

function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const point of points) {
    if (point > at) pieces.push(bytes.subarray(at, point));
    at = Math.max(at, point);
  }
  if (at < bytes.length) pieces.push(bytes.subarray(at));
  return pieces;
}

describe("HTTP/1.1 body framing", () => {
  it("property: a chunked body split anywhere (extensions, trailers) arrives byte for byte, read whole or streamed; the connection is reused", async () => {
    let pending: Buffer[] = [];
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, () => void writeApart(socket, pending));
    });
    const docker = api(server.host);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (chunks, extensions, trailer, cuts, streamed) => {
          const body = chunkedBody(chunks, extensions, trailer);
          const head = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
          pending = splitAt(Buffer.concat([head, body]), cuts);
          const response = await get(docker, "/x");
          let received: Buffer;
          if (streamed) {
            const pieces: Uint8Array[] = [];
            for await (const piece of response.body!) pieces.push(piece);
            received = Buffer.concat(pieces);
          } else received = Buffer.from(await response.arrayBuffer());
          expect(received.equals(Buffer.concat(chunks))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect(connections).toBe(1);
    await docker.close();
  });

  it("small HTTP chunks that arrive together become one body piece", async () => {
    const line = "x".repeat(100) + "\n";
    server = await startRawServer((socket) =>
      onRequests(socket, () => {
        let out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (let i = 0; i < 50; i++) out += `${line.length.toString(16)}\r\n${line}\r\n`;
        socket.write(out + "0\r\n\r\n");
      }),
    );
    const docker = api(server.host);
    const response = await get(docker, "/logs");
    const pieces: Uint8Array[] = [];
    for await (const piece of response.body!) pieces.push(piece);
    expect(Buffer.concat(pieces).toString()).toBe(line.repeat(50));
    expect(pieces.length).toBeLessThan(5);
    await docker.close();
  });

  it("a body with neither length nor chunking is read until the daemon closes; the connection is not reused", async () => {
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, () => void writeApart(socket, ["HTTP/1.1 200 OK\r\n\r\nhello ", "world"]).then(() => socket.end()));
    });
    const docker = api(server.host);
    expect(await (await get(docker, "/a")).text()).toBe("hello world");
    expect(await (await get(docker, "/b")).text()).toBe("hello world");
    expect(connections).toBe(2);
    await docker.close();
  });

  it("interim 1xx answers are skipped; HEAD, 204 and 304 have no body and keep the connection", async () => {
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, (head) => {
        if (head.startsWith("GET /continue"))
          socket.write(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
          );
        else if (head.startsWith("HEAD")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
        else if (head.startsWith("GET /204")) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
        else socket.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
      });
    });
    const docker = api(server.host);
    const ok = await get(docker, "/continue");
    expect([ok.status, await ok.text()]).toEqual([200, "ok"]);
    const headResponse = await get(docker, "/_ping", { method: "HEAD" });
    expect([headResponse.status, headResponse.headers.get("content-length"), headResponse.body]).toEqual([200, "1234", null]);
    expect((await get(docker, "/204")).status).toBe(204);
    expect((await get(docker, "/304")).status).toBe(304);
    expect(connections).toBe(1);
    await docker.close();
  });

  it("response headers: case-insensitive lookup, repeated headers joined, iteration sorted", async () => {
    server = await startRawServer((socket) =>
      onRequests(socket, () => socket.write("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n")),
    );
    const docker = api(server.host);
    const { headers } = await get(docker, "/_ping");
    expect(headers.get("API-VERSION")).toBe("1.41");
    expect(headers.get("x-a")).toBe("1, 2");
    expect(headers.has("missing")).toBe(false);
    expect([...headers]).toEqual([
      ["api-version", "1.41"],
      ["content-length", "0"],
      ["x-a", "1, 2"],
    ]);
    await docker.close();
  });
});

describe("HTTP/1.1 connections", () => {
  it("Connection: close from the daemon, or bytes after the answer, retire the connection", async () => {
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, (head) => {
        if (head.startsWith("GET /close")) socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na");
        else if (head.startsWith("GET /extra")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nbGARBAGE");
        else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc");
      });
    });
    const docker = api(server.host);
    expect(await (await get(docker, "/close")).text()).toBe("a");
    expect(await (await get(docker, "/plain")).text()).toBe("c");
    expect(connections).toBe(2);
    expect(await (await get(docker, "/extra")).text()).toBe("b");
    expect(await (await get(docker, "/plain")).text()).toBe("c");
    expect(connections).toBe(3);
    await docker.close();
  });

  it("a body whose last piece fills the reader's queue leaves the pooled connection reading (each way of reading it)", async () => {
    // The body is exactly the queue's bound and its last piece comes with the end, so the
    // piece that pauses the socket is also the last: the next answer on the connection must still arrive.
    const tail = 100;
    let bodySent: () => void = () => {};
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, (head) => {
        if (!head.startsWith("GET /big")) {
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nsmall");
          return;
        }
        const data = Buffer.alloc(STREAM_HIGH_WATER_MARK, 7);
        const first = data.subarray(0, data.length - tail);
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n${first.length.toString(16)}\r\n`,
        );
        socket.write(first);
        setTimeout(() => {
          socket.write(Buffer.concat([Buffer.from(`\r\n${tail.toString(16)}\r\n`), data.subarray(-tail), Buffer.from("\r\n0\r\n\r\n")]));
          setTimeout(() => bodySent(), 100);
        }, 50);
      });
    });
    const docker = api(server.host, { maxSockets: 1 });
    const within = <T>(promise: Promise<T>) =>
      Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 3 s"), 3000))]);
    const readers: Record<string, (response: Response, ended: Promise<void>) => Promise<number>> = {
      "read after the end": async (response, ended) => {
        await ended;
        return (await response.arrayBuffer()).byteLength;
      },
      "web stream, read after the end": async (response, ended) => {
        const reader = response.body!.getReader();
        let length = 0;
        const first = reader.read();
        await ended;
        for (let next = await first; !next.done; next = await reader.read()) length += next.value.byteLength;
        return length;
      },
      "direct iterator, read after the end": async (response, ended) => {
        const direct = (response.body as ReadableStream<Uint8Array> & MaybeDirectBody)[DIRECT_BODY]!()!;
        await ended;
        let length = 0;
        for (let next = await direct.next(); !next.done; next = await direct.next()) length += next.value.byteLength;
        return length;
      },
    };
    for (const [name, read] of Object.entries(readers)) {
      const ended = new Promise<void>((resolve) => (bodySent = resolve));
      const response = await get(docker, "/big");
      expect(await read(response, ended), name).toBe(STREAM_HIGH_WATER_MARK);
      const next = await within(get(docker, "/small").then((r) => r.text()));
      expect(next, name).toBe("small");
    }
    expect(connections).toBe(1);
    await docker.close();
  });

  it("a pooled connection the daemon dropped: a GET is sent again on a new one, a POST fails with a connection error", async () => {
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      // Every connection answers its first request and drops (without a FIN first) on the second.
      onRequests(socket, (_head, _body, index) => {
        if (index === 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        else socket.destroy();
      });
    });
    const docker = api(server.host);
    expect(await (await get(docker, "/one")).text()).toBe("ok");
    expect(await (await get(docker, "/two")).text()).toBe("ok");
    expect(connections).toBe(2);
    const error = await get(docker, "/three", { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerConnectionError);
    expect(error).toMatchObject({ request: { method: "POST", path: "/three" } });
    await docker.close();
  });

  it("maxSockets bounds the connections; requests beyond it wait their turn, and an abort while waiting takes effect", async () => {
    const open = new Set<net.Socket>();
    let most = 0;
    server = await startRawServer((socket) => {
      open.add(socket);
      most = Math.max(most, open.size);
      socket.on("close", () => open.delete(socket));
      onRequests(socket, (head) => {
        setTimeout(() => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${head.split(" ")[1]!.length}\r\n\r\n${head.split(" ")[1]}`), 5);
      });
    });
    expect(() => api(server!.host, { maxSockets: 0 })).toThrow(InvalidOptionError);
    const docker = api(server.host, { maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(docker, `/r${i}`).then((r) => r.text())));
    expect(answers).toEqual(Array.from({ length: 10 }, (_, i) => `/r${i}`));
    expect(most).toBe(2);
    const controller = new AbortController();
    const busy = [get(docker, "/a"), get(docker, "/b")];
    const waiting = get(docker, "/c", { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await waiting).toBeInstanceOf(DockerAbortError);
    await Promise.all(busy.map(async (r) => (await r).text()));
    await docker.close();
  });

  it("a streamed request body goes out chunked and arrives intact; a string body with its Content-Length", async () => {
    const received: string[] = [];
    server = await startRawServer((socket) => {
      let data = "";
      socket.on("data", (chunk: Buffer) => {
        data += chunk.toString("latin1");
        if (data.includes("\r\n0\r\n\r\n") || /content-length: 4\r\n\r\nh\xc3\xa9!$/.test(data)) {
          received.push(data);
          data = "";
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
      });
    });
    const docker = api(server.host);
    const parts = ["first ", "second ", "third"];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    expect((await get(docker, "/build", { method: "POST", body: stream })).status).toBe(200);
    expect(received[0]).toMatch(/transfer-encoding: chunked\r\n\r\n6\r\nfirst \r\n7\r\nsecond \r\n5\r\nthird\r\n0\r\n\r\n$/);
    expect((await get(docker, "/x", { method: "POST", body: "hé!" })).status).toBe(200);
    expect(Buffer.from(received[1]!, "latin1").toString("utf8")).toMatch(/content-length: 4\r\n\r\nhé!$/);
    await docker.close();
  });

  it("idle pooled connections do not keep the process alive", () => {
    const script = `
      import net from "node:net";
      import { createDockerApi } from "./src/api.ts";
      const server = net.createServer((s) => s.unref().on("data", () => s.write("HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nOK")));
      server.listen(0, "127.0.0.1", async () => {
        const docker = createDockerApi({ host: "tcp://127.0.0.1:" + server.address().port, apiVersion: "1.41", preferredVersion: "1.41" });
        const { data } = await docker.api.GET("/_ping", { parseAs: "text" });
        console.log(data);
        server.unref();
      });`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.stdout.trim()).toBe("OK");
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe("HTTP/1.1 malformed answers", () => {
  const cases: [string, string][] = [
    ["a Content-Length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n"],
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\na"],
    ["a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["a chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"],
    ["a chunk-size line that never ends", `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${"1".repeat(5000)}`],
    ["a status line that is not HTTP", "SSH-2.0-OpenSSH\r\n\r\n"],
  ];
  for (const [what, answer] of cases) {
    it(`${what}: DockerProtocolError naming the request`, async () => {
      server = await startRawServer((socket) => onRequests(socket, () => socket.write(answer)));
      const docker = api(server.host);
      const error = await get(docker, "/json")
        .then((response) => response.text())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockerProtocolError);
      expect(error).toMatchObject({ request: { method: "GET", path: "/json" } });
      await docker.close();
    });
  }
});

describe("HTTP/1.1 pool dial hook", () => {
  /** A plain `Duplex` over a socket: only what an ssh channel offers (no setNoDelay, no net.Socket). */
  function channelOver(socket: net.Socket): Duplex & { ref(): void; unref(): void } {
    const channel = new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        socket.write(chunk, callback);
      },
      final(callback) {
        socket.end(callback);
      },
      destroy(error, callback) {
        socket.destroy();
        callback(error);
      },
    });
    socket.on("data", (data: Buffer) => channel.push(data));
    socket.on("end", () => channel.push(null));
    socket.on("close", () => channel.destroy());
    return Object.assign(channel, { ref() {}, unref() {} });
  }

  it("requests go over the sockets `dial` returns (a plain Duplex), which are reused; dial errors reach the caller", async () => {
    let connections = 0;
    server = await startRawServer((socket) => {
      connections++;
      onRequests(socket, (head, _body, index) => {
        const text = `${head.split(" ")[1]} #${index}`;
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
      });
    });
    const socketPath = server.socketPath;
    const dials: Http1DialOptions[] = [];
    const pool = new Http1Pool({
      endpoint: { kind: "unix", socketPath: "/nonexistent/only-dial-is-used.sock" },
      endpointText: "unix:///via-dial",
      connectTimeoutMs: 1000,
      headersTimeoutMs: 0,
      maxSockets: 2,
      dial: async (options) => {
        dials.push(options);
        const socket = netConnect(socketPath);
        await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
        return channelOver(socket);
      },
    });
    const fetch = (path: string) => pool.fetch(new DockerRequest(`http://docker${path}`));
    expect(await (await fetch("/a")).text()).toBe("/a #0");
    expect(await (await fetch("/b")).text()).toBe("/b #1");
    expect(await Promise.all(["/c", "/d", "/e"].map(async (p) => (await fetch(p)).text()))).toHaveLength(3);
    expect(connections).toBe(2);
    expect(dials).toHaveLength(2);
    expect(dials[0]).toMatchObject({ connectTimeoutMs: 1000, request: { method: "GET", path: "/a" } });
    pool.close();

    const failing = new Http1Pool({
      endpoint: { kind: "unix", socketPath: "/nonexistent.sock" },
      endpointText: "unix:///via-dial",
      connectTimeoutMs: 1000,
      headersTimeoutMs: 0,
      maxSockets: 1,
      dial: async () => {
        throw new DockerConnectionError("the channel was refused", "unix:///via-dial");
      },
    });
    await expect(failing.fetch(new DockerRequest("http://docker/_ping"))).rejects.toBeInstanceOf(DockerConnectionError);
    // The failed dial gave its slot back: the next request dials again instead of waiting forever.
    await expect(failing.fetch(new DockerRequest("http://docker/_ping"))).rejects.toBeInstanceOf(DockerConnectionError);
  });
});
