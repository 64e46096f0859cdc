/**
 * Hijack and attach against a raw `net` server that writes HTTP/1.1 bytes by hand (msw cannot
 * see upgrades or unix sockets). The answers mirror what Docker 20.10 sends, measured at API
 * 1.12 and 1.41: `101 UPGRADED` or `200 OK` with `Content-Type: application/vnd.docker.raw-stream`,
 * and error answers as a head followed by text until close.
 */
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import tls from "node:tls";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import type { paths } from "../../generated/v1.10/index.js";
import { createDockerApi, type DockerApi } from "../../src/api.js";
import {
  attachToContainer,
  hijack,
  type AttachKind,
  type AttachNodeStreams,
  type AttachOptions,
  type AttachSession,
  type HijackedConnection,
} from "../../src/attach/index.js";
import { encodeFrame, type DemuxChunk, type StdStream } from "../../src/codecs/demux.js";
import { collectOutput } from "../../src/exec/collect-output.js";
import {
  DockerAbortError,
  DockerApiError,
  DockerProtocolError,
  DockerTimeoutError,
  DockerStreamError,
  InvalidOptionError,
  NoSuchContainerError,
} from "../../src/errors.js";

const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
const PLAIN_OK = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
const MULTIPLEXED_101 = UPGRADED.replace("raw-stream", "multiplexed-stream");

interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  socket: net.Socket;
  /** Everything the client sends after the request, until it half-closes. */
  input(): Promise<Buffer>;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 / localhost, for the TLS case only (made with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
 * -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1`). It protects nothing.
 */
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUH1CqW1C+WSqtRuxnFMFIQxTzSfIwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyODAyMjQzN1oYDzIxMjYxMTA0
MDIyNDM3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR9AULvsTllrQ7QB+ZYPMKCGCVDFAIlNc9EkpPXGTLc8wo3vKtXMya6
461ACSge6vOGuKh12xXI1sV7Ltz+Pw6io28wbTAdBgNVHQ4EFgQUUNWz0VVWB7/d
eB2q9ldPVMVfnRQwHwYDVR0jBBgwFoAUUNWz0VVWB7/deB2q9ldPVMVfnRQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgfkNT4vLfci8fFbMF8/1bLgNX0bPT+RQTtVs7gX5prtYCIQCs
laFmxKiA5ugBRfj3rr/v1Pxs19cmXLwmKWIxTjzSaQ==
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOQ6VhDyj2O9FIakO
7+loD9+R4kqs0TNqHYpJb7ShvjahRANCAAR9AULvsTllrQ7QB+ZYPMKCGCVDFAIl
Nc9EkpPXGTLc8wo3vKtXMya6461ACSge6vOGuKh12xXI1sV7Ltz+Pw6i
-----END PRIVATE KEY-----
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP (or unix socket) server that hands each parsed request to `handler` with its socket. */
async function fakeDaemon(handler: (req: FakeRequest) => unknown, kind: "tcp" | "unix" | "tls" = "tcp") {
  const requests: FakeRequest[] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [requestLine = "", ...lines] = buffered.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(":")).toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
      const length = Number(headers["content-length"] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off("data", onData);
      socket.pause();
      const extra = buffered.subarray(end + 4 + length);
      if (extra.length > 0) socket.unshift(extra);
      const [method = "", target = ""] = requestLine.split(" ");
      let input: Promise<Buffer> | undefined;
      const req: FakeRequest = {
        method,
        path: target,
        headers,
        body: buffered.subarray(end + 4, end + 4 + length),
        socket,
        input: () =>
          (input ??= new Promise<Buffer>((resolve) => {
            const chunks: Buffer[] = [];
            socket.on("data", (c: Buffer) => chunks.push(c));
            socket.once("end", () => resolve(Buffer.concat(chunks)));
            socket.once("close", () => resolve(Buffer.concat(chunks)));
            socket.resume();
          })),
      };
      requests.push(req);
      void handler(req);
    };
    socket.on("data", onData);
  };
  const server =
    kind === "tls"
      ? tls.createServer({ key: TEST_KEY, cert: TEST_CERT, allowHalfOpen: true }, onConnection)
      : net.createServer({ allowHalfOpen: true }, onConnection);
  let host: string;
  if (kind === "unix") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-attach-"));
    const socketPath = path.join(dir, "docker.sock");
    server.listen(socketPath);
    await once(server, "listening");
    host = `unix://${socketPath}`;
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  } else {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    host = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { host, requests };
}

function client(host: string, apiVersion = "1.41", tlsCa?: string) {
  const docker = createDockerApi<any>({ host, preferredVersion: apiVersion, apiVersion, ...(tlsCa ? { tls: { ca: tlsCa } } : {}) });
  cleanups.push(() => docker.close());
  return docker;
}

/** Resolves when the client's side of `socket` is gone (FIN or close; the server is half-open capable). */
const clientGone = (socket: net.Socket) =>
  new Promise<void>((resolve) => {
    socket.once("end", () => resolve());
    socket.once("close", () => resolve());
    socket.resume();
  });

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out += text(value);
  }
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** An attach answered with `head`, then `frames`, then close. */
async function attachWith(head: string, frames: Uint8Array[], options: Partial<AttachOptions> = {}, apiVersion = "1.41") {
  const daemon = await fakeDaemon((req) => {
    req.socket.write(head);
    for (const frame of frames) req.socket.write(frame);
    req.socket.end();
  });
  const docker = client(daemon.host, apiVersion);
  const session = await attachToContainer(docker, { container: "c1", stream: true, stdout: true, stderr: true, tty: false, ...options });
  return { daemon, docker, session };
}

describe("hijack", () => {
  it("sends an upgrade request and returns the stream after a 101, bytes from the head's packet first", async () => {
    const daemon = await fakeDaemon((req) => {
      req.socket.write(`${UPGRADED}abc`);
      setTimeout(() => req.socket.end("def"), 5);
    });
    const conn = await hijack(client(daemon.host), {
      path: "/containers/{id}/attach",
      pathParams: { id: "abc123" },
      query: { stream: true, stdout: true, logs: false },
    });
    expect(conn.status).toBe(101);
    expect(conn.contentType).toBe("application/vnd.docker.raw-stream");
    expect(await readAll(conn.readable)).toBe("abcdef");
    const [req] = daemon.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v1.41/containers/abc123/attach?stream=1&stdout=1&logs=0");
    expect(req?.headers).toMatchObject({
      host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      connection: "Upgrade",
      upgrade: "tcp",
      "user-agent": expect.stringMatching(/^berth\//),
    });
    expect(req?.headers["content-length"]).toBeUndefined();
    conn.close();
    await conn.closed;
  });

  it("accepts the plain 200 answer of older daemons (stream until close)", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(`${PLAIN_OK}raw bytes`));
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "x" } });
    expect(conn.status).toBe(200);
    expect(await readAll(conn.readable)).toBe("raw bytes");
  });

  it("parses a head that arrives byte by byte", async () => {
    const daemon = await fakeDaemon(async (req) => {
      for (const byte of Buffer.from(UPGRADED)) {
        req.socket.write(Uint8Array.of(byte));
        await delay(0);
      }
      req.socket.end("after");
    });
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "x" } });
    expect(conn.status).toBe(101);
    expect(await readAll(conn.readable)).toBe("after");
  });

  it("skips interim 1xx answers before the real one", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(`HTTP/1.1 100 Continue\r\n\r\n${UPGRADED}x`));
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "x" } });
    expect(conn.status).toBe(101);
    expect(await readAll(conn.readable)).toBe("x");
  });

  it("turns a 404 head (text until close, as Docker 20.10 sends it) into NoSuchContainerError", async () => {
    const daemon = await fakeDaemon((req) =>
      req.socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nNo such container: ghost\r\n"),
    );
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "ghost" } }));
    expect(error).toBeInstanceOf(NoSuchContainerError);
    expect((error as NoSuchContainerError).id).toBe("ghost");
    expect((error as NoSuchContainerError).daemonMessage).toBe("No such container: ghost");
    expect((error as NoSuchContainerError).request).toEqual({ method: "POST", path: "/v1.41/containers/ghost/attach" });
  });

  it("turns a 409 (paused container) into a DockerApiError with the daemon's text", async () => {
    const daemon = await fakeDaemon((req) =>
      req.socket.end(
        "HTTP/1.1 409 Conflict\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\ncontainer c is paused, unpause the container before attach\r\n",
      ),
    );
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(error).toBeInstanceOf(DockerApiError);
    expect(error).not.toBeInstanceOf(NoSuchContainerError);
    expect((error as DockerApiError).status).toBe(409);
    expect((error as DockerApiError).daemonMessage).toBe("container c is paused, unpause the container before attach");
  });

  it("reads a 500's JSON body by Content-Length without waiting for the connection to close", async () => {
    const body = JSON.stringify({ message: "something broke" });
    const daemon = await fakeDaemon((req) =>
      req.socket.write(
        `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
    const started = Date.now();
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect((error as DockerApiError).status).toBe(500);
    expect((error as DockerApiError).daemonMessage).toBe("something broke");
  });

  it("reads a chunked error body on a kept-alive connection", async () => {
    const daemon = await fakeDaemon((req) =>
      req.socket.write("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nclient\r\n9;ext=1\r\n too old\n\r\n0\r\n\r\n"),
    );
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect((error as DockerApiError).status).toBe(400);
    expect((error as DockerApiError).daemonMessage).toBe("client too old");
  });

  it.each([
    ["an SSH banner", "SSH-2.0-OpenSSH_9.6\r\n", /not HTTP/],
    ["a malformed status line", "HTTP/1.1 abc\r\n\r\n", /status line/],
    ["a malformed header", "HTTP/1.1 101 UPGRADED\r\nno colon here\r\n\r\n", /header line/],
    ["a close before any answer", "", /without answering/],
    ["a close inside the head", "HTTP/1.1 101 UPGR", /inside the response head/],
  ])("rejects %s with a DockerProtocolError", async (_, answer, message) => {
    const daemon = await fakeDaemon((req) => req.socket.end(answer));
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect((error as Error).message).toMatch(message);
  });

  it("rejects a never-ending head at 64 KiB", async () => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write("HTTP/1.1 200 OK\r\n");
      for (let i = 0; i < 100 && !req.socket.destroyed; i++) {
        req.socket.write(`X-Filler-${i}: ${"a".repeat(1000)}\r\n`);
        await delay(0);
      }
    });
    const { error } = await settle(hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect((error as Error).message).toMatch(/exceeds 65536 bytes/);
  });

  it("decodes a 200 that a proxy re-framed as chunked", async () => {
    const daemon = await fakeDaemon((req) =>
      req.socket.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n`),
    );
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } });
    expect(await readAll(conn.readable)).toBe("abcde");
  });

  it("ends a 200 with Content-Length at that length", async () => {
    const daemon = await fakeDaemon((req) => req.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdTRAILING`));
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } });
    expect(await readAll(conn.readable)).toBe("abcd");
    conn.close();
  });

  it("sends a JSON body with its Content-Type and Content-Length, and extra headers", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(UPGRADED));
    await hijack(client(daemon.host), {
      path: "/exec/{id}/start",
      pathParams: { id: "e1" },
      body: { Detach: false, Tty: true },
      headers: { "X-Test": "yes", "user-agent": "custom/1" },
    });
    const [req] = daemon.requests;
    expect(req?.path).toBe("/v1.41/exec/e1/start");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req!.body.toString())).toEqual({ Detach: false, Tty: true });
    expect(req?.headers["x-test"]).toBe("yes");
    expect(req?.headers["user-agent"]).toBe("custom/1");
  });

  it("encodes ids as one path segment and refuses dot segments and header injection before connecting", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(UPGRADED));
    const docker = client(daemon.host);
    await hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "a/b?c" } });
    expect(daemon.requests[0]?.path).toBe("/v1.41/containers/a%2Fb%3Fc/attach");
    await expect(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: ".." } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(hijack(docker, { path: "/x", headers: { "X-A": "1\r\nInjected: yes" } })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(daemon.requests).toHaveLength(1);
  });

  it("works over a unix socket (Host: docker)", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(`${UPGRADED}unix`), "unix");
    const conn = await hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" } });
    expect(await readAll(conn.readable)).toBe("unix");
    expect(daemon.requests[0]?.headers.host).toBe("docker");
  });

  it("works over TLS, including the half-close", async () => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      const input = await req.input();
      req.socket.end(encodeFrame("stdout", `tls:${input.toString()}`));
    }, "tls");
    const session = await attachToContainer(client(daemon.host, "1.41", TEST_CERT), {
      container: "c",
      stream: true,
      stdin: true,
      stdout: true,
      tty: false,
      inputStream: "secret",
    });
    expect(await readAll(session.stdout)).toBe("tls:secret");
    await session.closed;
  });

  it("prefixes the endpoint's base path", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(UPGRADED));
    await hijack(client(`${daemon.host}/proxied`), { path: "/containers/{id}/attach", pathParams: { id: "c" } });
    expect(daemon.requests[0]?.path).toBe("/proxied/v1.41/containers/c/attach");
  });

  it("aborts while waiting for the head: DockerAbortError and the socket closed within 100 ms", async () => {
    let serverSocket: net.Socket | undefined;
    const daemon = await fakeDaemon((req) => {
      serverSocket = req.socket;
      req.socket.resume();
    });
    const controller = new AbortController();
    const pending = settle(
      hijack(client(daemon.host), { path: "/containers/{id}/attach", pathParams: { id: "c" }, signal: controller.signal }),
    );
    while (!serverSocket) await delay(5);
    const closedOnServer = clientGone(serverSocket);
    const started = Date.now();
    controller.abort();
    const { error } = await pending;
    expect(error).toBeInstanceOf(DockerAbortError);
    await closedOnServer;
    expect(Date.now() - started).toBeLessThan(100);
    expect(daemon.requests).toHaveLength(1);
  });

  it("applies the client's headers timeout to the wait for the answer, and its User-Agent", async () => {
    const daemon = await fakeDaemon((req) => req.socket.resume());
    const docker = createDockerApi<any>({
      host: daemon.host,
      preferredVersion: "1.41",
      apiVersion: "1.41",
      headersTimeoutMs: 60,
      userAgent: "ci-tool/2",
    });
    cleanups.push(() => docker.close());
    const { error } = await settle(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(error).toBeInstanceOf(DockerTimeoutError);
    expect(error).toMatchObject({ phase: "headers", timeoutMs: 60 });
    expect(daemon.requests[0]!.headers["user-agent"]).toBe("ci-tool/2");
  });
});

describe("attachToContainer", () => {
  it("demultiplexes frames split at odd places into ordered pieces", async () => {
    const bytes = Buffer.concat([encodeFrame("stdout", "out1\n"), encodeFrame("stderr", "err1\n"), encodeFrame("stdout", "out2\n")]);
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      for (const [from, to] of [
        [0, 3],
        [3, 11],
        [11, 20],
        [20, bytes.length],
      ] as const) {
        req.socket.write(bytes.subarray(from, to));
        await delay(5);
      }
      req.socket.end();
    });
    const session = await attachToContainer(client(daemon.host), { container: "c1", stream: true, stdout: true, stderr: true, tty: false });
    expect(session.kind).toBe("multiplexed");
    expect(session.status).toBe(101);
    expect(session.contentType).toBe("application/vnd.docker.raw-stream");
    const frames: string[] = [];
    let current = "";
    for await (const piece of session.frames()) {
      current += text(piece.data);
      if (piece.frameEnd) {
        frames.push(`${piece.stream}:${current}`);
        current = "";
      }
    }
    // Joined at frameEnd, the pieces give the frames back.
    expect(frames).toEqual(["stdout:out1\n", "stderr:err1\n", "stdout:out2\n"]);
    await session.closed;
    expect(daemon.requests[0]?.path).toBe("/v1.41/containers/c1/attach?logs=0&stream=1&stdout=1&stderr=1");
  });

  it("issue 15: sends the booleans the caller set, false included, and logs/stream always (podman takes a missing stream as true)", async () => {
    const { daemon, session } = await attachWith(UPGRADED, [encodeFrame("stdout", "old\n")], {
      logs: true,
      stream: false,
      stderr: undefined,
    });
    expect(await readAll(session.stdout)).toBe("old\n");
    expect(daemon.requests[0]?.path).toBe("/v1.41/containers/c1/attach?logs=1&stream=0&stdout=1");
    const unset = await attachWith(UPGRADED, [], { stream: undefined, stderr: false });
    expect(await readAll(unset.session.stdout)).toBe("");
    expect(unset.daemon.requests[0]?.path).toBe("/v1.41/containers/c1/attach?logs=0&stream=0&stdout=1&stderr=0");
  });

  it("splits stdout and stderr into two streams with exact content", async () => {
    const frames = ["out1", "err1", "out2", "err2", "out3"].map((s) => encodeFrame(s.startsWith("out") ? "stdout" : "stderr", `${s}\n`));
    const { session } = await attachWith(UPGRADED, frames);
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect(stdout).toBe("out1\nout2\nout3\n");
    expect(stderr).toBe("err1\nerr2\n");
    await session.closed;
  });

  it("routes the stdin echo (type 0) to stdout", async () => {
    const { session } = await attachWith(UPGRADED, [encodeFrame("stdin", "echo"), encodeFrame("stdout", "!")]);
    expect(await readAll(session.stdout)).toBe("echo!");
  });

  it("passes a TTY stream through raw; stderr stays empty", async () => {
    const { session } = await attachWith(UPGRADED, [Buffer.from("\x01raw\r\n"), Buffer.from("tty")], { tty: true });
    expect(session.kind).toBe("raw");
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect(stdout).toBe("\x01raw\r\ntty");
    expect(stderr).toBe("");
  });

  it("trusts a multiplexed-stream content type over the caller's tty", async () => {
    const { session } = await attachWith(MULTIPLEXED_101, [encodeFrame("stdout", "x")], { tty: true });
    expect(session.kind).toBe("multiplexed");
    expect(await readAll(session.stdout)).toBe("x");
  });

  it("trusts raw-stream from API 1.42 on, without inspecting", async () => {
    const { session, daemon } = await attachWith(UPGRADED, [Buffer.from("raw")], { tty: undefined }, "1.42");
    expect(session.kind).toBe("raw");
    expect(daemon.requests).toHaveLength(1);
  });

  it.each([
    [true, "raw"],
    [false, "multiplexed"],
  ] as const)("inspects the container below 1.42 when tty is not given (Tty %s -> %s)", async (tty, kind) => {
    const daemon = await fakeDaemon((req) => {
      if (req.method === "GET") {
        const body = JSON.stringify({ Id: "c1", Config: { Tty: tty } });
        req.socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else req.socket.end(UPGRADED);
    });
    const session = await attachToContainer(client(daemon.host), { container: "c1", stream: true, stdout: true });
    expect(session.kind).toBe(kind);
    expect(daemon.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1.41/containers/c1/attach?logs=0&stream=1&stdout=1",
      "GET /v1.41/containers/c1/json",
    ]);
  });

  it("delivers the output before a system-error frame, then fails with DockerStreamError", async () => {
    const { session } = await attachWith(UPGRADED, [
      Buffer.concat([encodeFrame("stdout", "partial"), encodeFrame("system", "error copying output")]),
    ]);
    const reader = session.stdout.getReader();
    expect(text((await reader.read()).value)).toBe("partial");
    const { error } = await settle(reader.read());
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toContain("error copying output");
    await expect(session.closed).rejects.toBe(error);
  });

  it("fails with DockerProtocolError when the connection ends inside a frame", async () => {
    const { session } = await attachWith(UPGRADED, [encodeFrame("stdout", "complete"), encodeFrame("stderr", "cut").subarray(0, 9)]);
    const got: string[] = [];
    const { error } = await settle(
      (async () => {
        for await (const f of session.frames()) got.push(text(f.data));
      })(),
    );
    expect(got).toEqual(["complete", "c"]);
    expect(error).toBeInstanceOf(DockerProtocolError);
    await expect(session.closed).rejects.toBeInstanceOf(DockerProtocolError);
  });

  it("half-closes on stdin close: the daemon sees EOF and output keeps flowing until it closes", async () => {
    let sawEnd = false;
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      const input = await req.input();
      sawEnd = true;
      req.socket.write(encodeFrame("stdout", input.toString().toUpperCase()));
      await delay(20);
      req.socket.end(encodeFrame("stdout", "bye"));
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdin: true, stdout: true, tty: false });
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hi\n"));
    await writer.close();
    expect(await readAll(session.stdout)).toBe("HI\nbye");
    expect(sawEnd).toBe(true);
    await session.closed;
  });

  const inputs: [string, () => AttachOptions["inputStream"]][] = [
    ["a string", () => "hello\n"],
    ["bytes", () => new TextEncoder().encode("hello\n")],
    [
      "a web ReadableStream",
      () => new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("hel")), c.enqueue("lo\n"), c.close()) }),
    ],
    ["a Node Readable", () => Readable.from([Buffer.from("hel"), Buffer.from("lo\n")])],
    [
      "an async generator",
      () =>
        (async function* () {
          yield "hel";
          await delay(5);
          yield new TextEncoder().encode("lo\n");
        })(),
    ],
    ["an array", () => ["hel", "lo\n"]],
  ];
  it.each(inputs)("copies inputStream from %s, then half-closes", async (_, input) => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      const got = await req.input();
      req.socket.end(encodeFrame("stdout", `got ${got.toString()}`));
    });
    const session = await attachToContainer(client(daemon.host), {
      container: "c",
      stream: true,
      stdin: true,
      stdout: true,
      tty: false,
      inputStream: input(),
    });
    expect(await readAll(session.stdout)).toBe("got hello\n");
    await session.closed;
  });

  it("writes into Go-style sinks (Node Writable and WritableStream) with backpressure; closed waits for them", async () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) frames.push(encodeFrame(i % 2 ? "stderr" : "stdout", `${i}`.padStart(1000, ".")));
    const out: Buffer[] = [];
    const slowNode = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, callback) {
        out.push(Buffer.from(chunk));
        setTimeout(callback, 1);
      },
    });
    const err: string[] = [];
    const web = new WritableStream<Uint8Array>({ write: async (chunk) => void err.push(text(chunk)) }, { highWaterMark: 1 });
    const { session } = await attachWith(UPGRADED, frames, { outputStream: slowNode, errorStream: web });
    await session.closed;
    expect(out.map((b) => b.toString().replace(/^\.+/, ""))).toEqual(frames.filter((_, i) => i % 2 === 0).map((_, i) => `${i * 2}`));
    expect(err.map((s) => s.replace(/^\.+/, ""))).toEqual(frames.filter((_, i) => i % 2 === 1).map((_, i) => `${i * 2 + 1}`));
    // The web sink is handed back unlocked.
    expect(web.locked).toBe(false);
    // The output was consumed by the sinks.
    expect(session.output.locked).toBe(true);
  });

  it("discards stderr when only an outputStream is given (the Go client's behaviour)", async () => {
    const collected = new PassThrough();
    const chunks: Buffer[] = [];
    collected.on("data", (c: Buffer) => chunks.push(c));
    const { session } = await attachWith(UPGRADED, [encodeFrame("stderr", "e"), encodeFrame("stdout", "o")], { outputStream: collected });
    await session.closed;
    expect(Buffer.concat(chunks).toString()).toBe("o");
  });

  it("stops reading the socket while nobody reads: the daemon's writes stall at a bounded amount", async () => {
    const total = 64 * 1024 * 1024;
    let accepted = 0;
    let resumeWriting!: () => void;
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      const frame = encodeFrame("stdout", new Uint8Array(64 * 1024 - 8));
      let sent = 0;
      while (sent < total) {
        sent += frame.length;
        if (!req.socket.write(frame, () => (accepted += frame.length))) {
          await new Promise<void>((resolve) => {
            resumeWriting = resolve;
            req.socket.once("drain", resolve);
          });
        }
      }
      req.socket.end();
    }, "unix");
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, tty: false });
    await delay(300);
    const stalledAt = accepted;
    // Kernel socket buffers + the transport's 256 KiB + one chunk: a few MiB at most, not 64.
    expect(stalledAt).toBeLessThan(8 * 1024 * 1024);
    await delay(100);
    expect(accepted).toBe(stalledAt);
    void resumeWriting;
    let received = 0;
    const reader = session.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
    }
    expect(received).toBe((total / (64 * 1024)) * (64 * 1024 - 8));
    await session.closed;
  });

  it("stalls stdout while stderr is unread past its bound (tee semantics); cancelling stderr frees stdout", async () => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      for (let i = 0; i < 8; i++) req.socket.write(encodeFrame("stderr", new Uint8Array(256 * 1024)));
      req.socket.end(encodeFrame("stdout", "done"));
    });
    const session = await attachToContainer(client(daemon.host), {
      container: "c",
      stream: true,
      stdout: true,
      stderr: true,
      tty: false,
      highWaterMark: 128 * 1024,
    });
    const stdout = readAll(session.stdout);
    const stderr = session.stderr;
    let finished = false;
    void stdout.then(() => (finished = true));
    await delay(300);
    expect(finished).toBe(false);
    await stderr.cancel();
    expect(await stdout).toBe("done");
    await session.closed;
  });

  it("aborting closes the socket within 100 ms and fails the output and closed with DockerAbortError", async () => {
    let serverSocket: net.Socket | undefined;
    const daemon = await fakeDaemon((req) => {
      serverSocket = req.socket;
      req.socket.write(UPGRADED);
      const timer = setInterval(() => req.socket.writable && req.socket.write(encodeFrame("stdout", "tick\n")), 2);
      req.socket.on("close", () => clearInterval(timer));
    });
    const controller = new AbortController();
    const session = await attachToContainer(client(daemon.host), {
      container: "c",
      stream: true,
      stdout: true,
      tty: false,
      signal: controller.signal,
    });
    const reader = session.stdout.getReader();
    expect(text((await reader.read()).value)).toContain("tick");
    const closedOnServer = clientGone(serverSocket!);
    const started = Date.now();
    controller.abort(new Error("user gave up"));
    await expect(session.closed).rejects.toBeInstanceOf(DockerAbortError);
    await closedOnServer;
    expect(Date.now() - started).toBeLessThan(100);
    // At most what was already queued, then the abort.
    const { error } = await settle(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    expect(error).toBeInstanceOf(DockerAbortError);
    expect(((await settle(session.closed)).error as Error).cause).toBeInstanceOf(Error);
  });

  it("rejects at once for an already aborted signal", async () => {
    const daemon = await fakeDaemon((req) => req.socket.end(UPGRADED));
    const { error } = await settle(attachToContainer(client(daemon.host), { container: "c", signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(DockerAbortError);
    expect(daemon.requests).toHaveLength(0);
  });

  it("close() ends the streams cleanly and resolves closed", async () => {
    const daemon = await fakeDaemon((req) => {
      req.socket.write(UPGRADED);
      req.socket.write(encodeFrame("stdout", "first"));
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, tty: false });
    const reader = session.stdout.getReader();
    expect(text((await reader.read()).value)).toBe("first");
    session.close();
    expect((await reader.read()).done).toBe(true);
    await session.closed;
    expect(daemon.requests).toHaveLength(1);
  });

  it("ends the streams when the daemon closes (container exit) while a read is waiting", async () => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      await delay(50);
      req.socket.end(encodeFrame("stdout", "last"));
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, stdin: true, tty: false });
    expect(await readAll(session.stdout)).toBe("last");
    await session.closed;
    // Our write side was open; the session dropped it with the rest.
    await expect(session.stdin.getWriter().write(new Uint8Array(1))).rejects.toBeDefined();
  });

  it("issue 15: frames() hands on podman's last newline, which comes after the last frame, before it ends", async () => {
    // podman 4.3's attach with logs=1: each frame declares its line without the newline
    const short = (stream: "stdout" | "stderr", line: string) => Buffer.concat([encodeFrame(stream, line), Buffer.from("\n")]);
    for (const split of [false, true]) {
      const daemon = await fakeDaemon(async (req) => {
        req.socket.write(UPGRADED);
        const body = Buffer.concat([short("stdout", "out"), short("stderr", "err"), short("stdout", "late")]);
        if (!split) return void req.socket.end(body);
        req.socket.write(body.subarray(0, body.length - 1));
        await delay(5);
        req.socket.end(body.subarray(body.length - 1));
      });
      const session = await attachToContainer(client(daemon.host), {
        container: "c",
        logs: true,
        stream: false,
        stdout: true,
        stderr: true,
        tty: false,
      });
      expect(await collectOutput(session.frames())).toEqual({ stdout: "out\nlate\n", stderr: "err\n" });
    }
  });

  it("leaving frames() early closes the session", async () => {
    const daemon = await fakeDaemon((req) => {
      req.socket.write(UPGRADED);
      req.socket.write(Buffer.concat([encodeFrame("stdout", "a"), encodeFrame("stdout", "b")]));
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, tty: false });
    for await (const frame of session.frames()) {
      expect(text(frame.data)).toBe("a");
      break;
    }
    await session.closed;
  });

  it("offers Node streams; ending stdin half-closes", async () => {
    const daemon = await fakeDaemon(async (req) => {
      req.socket.write(UPGRADED);
      const input = await req.input();
      req.socket.end(Buffer.concat([encodeFrame("stdout", input), encodeFrame("stderr", "warn")]));
    });
    const session = await attachToContainer(client(daemon.host), {
      container: "c",
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    const { stdout, stderr, stdin } = session.toNodeStreams();
    const collect = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString();
    };
    stdin.end("node in");
    expect(await Promise.all([collect(stdout), collect(stderr)])).toEqual(["node in", "warn"]);
  });

  it("resizes the TTY through the API", async () => {
    const daemon = await fakeDaemon((req) => {
      if (req.path.includes("/resize")) req.socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      else req.socket.write(UPGRADED);
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, tty: true });
    await session.resize({ height: 40, width: 100 });
    expect(daemon.requests[1]?.method).toBe("POST");
    expect(daemon.requests[1]?.path).toBe("/v1.41/containers/c/resize?h=40&w=100");
    await expect(session.resize({ height: -1, width: 2 })).rejects.toBeInstanceOf(InvalidOptionError);
    session.close();
  });

  it("a missing container fails the attach with NoSuchContainerError", async () => {
    const daemon = await fakeDaemon((req) =>
      req.socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nNo such container: nope\r\n"),
    );
    await expect(attachToContainer(client(daemon.host), { container: "nope", stream: true })).rejects.toBeInstanceOf(NoSuchContainerError);
  });
});

describe("types", () => {
  it("pins the public shapes of attach", () => {
    expectTypeOf(attachToContainer).returns.resolves.toEqualTypeOf<AttachSession>();
    // A client typed with generated paths is accepted, not only DockerApi<any>.
    expectTypeOf<DockerApi<paths>>().toMatchTypeOf<Parameters<typeof attachToContainer>[0]>();
    expectTypeOf<DockerApi<paths>>().toMatchTypeOf<Parameters<typeof hijack>[0]>();
    expectTypeOf(hijack).returns.resolves.toEqualTypeOf<HijackedConnection>();
    expectTypeOf<AttachSession["kind"]>().toEqualTypeOf<AttachKind>();
    expectTypeOf<AttachKind>().toEqualTypeOf<"multiplexed" | "raw">();
    expectTypeOf<AttachSession["output"]>().toEqualTypeOf<ReadableStream<DemuxChunk>>();
    expectTypeOf<AttachSession["stdout"]>().toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf<AttachSession["stdin"]>().toEqualTypeOf<WritableStream<Uint8Array>>();
    expectTypeOf<ReturnType<AttachSession["frames"]>>().toMatchTypeOf<AsyncIterable<DemuxChunk>>();
    expectTypeOf<DemuxChunk["stream"]>().toEqualTypeOf<StdStream>();
    expectTypeOf<StdStream>().toEqualTypeOf<"stdin" | "stdout" | "stderr">();
    expectTypeOf<AttachNodeStreams["stdout"]>().toEqualTypeOf<Readable>();
    // Go-style sinks and sources accept Node and web streams alike.
    expectTypeOf<PassThrough>().toMatchTypeOf<NonNullable<AttachOptions["outputStream"]>>();
    expectTypeOf<WritableStream<Uint8Array>>().toMatchTypeOf<NonNullable<AttachOptions["errorStream"]>>();
    expectTypeOf<Readable>().toMatchTypeOf<NonNullable<AttachOptions["inputStream"]>>();
    expectTypeOf<ReadableStream<Uint8Array>>().toMatchTypeOf<NonNullable<AttachOptions["inputStream"]>>();
    expectTypeOf<string>().toMatchTypeOf<NonNullable<AttachOptions["inputStream"]>>();
  });
});
