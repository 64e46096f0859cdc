import { afterEach, describe, expect, it } from "vitest";
import {
  ConnectionRefusedError,
  DockerAbortError,
  DockerApiError,
  DockerConnectionError,
  DockerTimeoutError,
  InvalidOptionError,
  NoSuchContainerError,
  NoSuchImageError,
  createDockerApi,
  isDockerError,
} from "../../src/index.js";
import { startRawServer, type RawServer } from "../helpers/fake-daemon.js";

const head = (status: string, headers: Record<string, string>, body = "") =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n${body}`;

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that records request heads and answers each with `answer(requestHead)`. */
async function recordingServer(answer: (requestHead: string) => string) {
  const heads: string[] = [];
  server = await startRawServer((socket) => {
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n\r\n")) !== -1) {
        const requestHead = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(requestHead)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        heads.push(requestHead);
        socket.write(answer(requestHead));
      }
    });
  });
  return { heads, docker: createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" }) };
}

describe("Node transport against a raw HTTP/1.1 server", () => {
  it("sends the version prefix, a User-Agent and exactly the encoded path", async () => {
    const { heads, docker } = await recordingServer(() =>
      head("200 OK", { "Content-Type": "application/json", "Content-Length": "2" }, "{}"),
    );
    await docker.api.GET("/containers/{id}/json", { params: { path: { id: "a/b?c#d%e f\r\nX-Injected: 1" } } });
    await docker.api.GET("/images/{name}/json", { params: { path: { name: "127.0.0.1:5000/team/app:1.0" } } });
    await docker.api.GET("/containers/json", { params: { query: { all: true, size: false, filters: { status: ["exited"] } } } });
    expect(heads[0]!.split("\r\n")[0]).toBe("GET /v1.12/containers/a%2Fb%3Fc%23d%25e%20f%0D%0AX-Injected%3A%201/json HTTP/1.1");
    expect(heads[0]).not.toMatch(/^X-Injected/im);
    expect(heads[1]!.split("\r\n")[0]).toBe("GET /v1.12/images/127.0.0.1%3A5000%2Fteam%2Fapp%3A1.0/json HTTP/1.1");
    expect(heads[2]!.split("\r\n")[0]).toBe(
      `GET /v1.12/containers/json?all=1&size=0&filters=${encodeURIComponent('{"status":["exited"]}')} HTTP/1.1`,
    );
    expect(heads[0]).toMatch(/^user-agent: berth\/\d+\.\d+\.\d+$/im);
    await docker.close();
  });

  it("refuses '.', '..' and empty ids before anything is sent", async () => {
    const { heads, docker } = await recordingServer(() => head("200 OK", { "Content-Length": "0" }));
    for (const id of [".", "..", ""]) {
      await expect(docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).rejects.toBeInstanceOf(InvalidOptionError);
    }
    expect(heads).toEqual([]);
    await docker.close();
  });

  it("refuses header values with CR/LF instead of sending them", async () => {
    const { heads, docker } = await recordingServer(() => head("200 OK", { "Content-Length": "0" }));
    await expect(docker.api.GET("/_ping", { headers: { "X-Registry-Auth": "abc\r\nX-Evil: 1" }, parseAs: "text" })).rejects.toThrow();
    expect(heads).toEqual([]);
    await docker.close();
  });

  it("maps 404s on container and image paths, and text and JSON error bodies", async () => {
    const { docker } = await recordingServer((h) => {
      if (h.includes("/containers/"))
        return head("404 Not Found", { "Content-Type": "text/plain", "Content-Length": "22" }, "No such container: abc");
      if (h.includes("/images/")) {
        const body = JSON.stringify({ message: "No such image: nope:latest" });
        return head("404 Not Found", { "Content-Type": "application/json", "Content-Length": String(body.length) }, body);
      }
      const body = JSON.stringify({ message: "something broke" });
      return head("500 Internal Server Error", { "Content-Type": "application/json", "Content-Length": String(body.length) }, body);
    });
    const container = await docker.api.GET("/containers/{id}/json", { params: { path: { id: "abc" } } }).catch((e: unknown) => e);
    expect(container).toBeInstanceOf(NoSuchContainerError);
    expect(container).toMatchObject({ id: "abc", status: 404, daemonMessage: "No such container: abc", code: "ERR_NO_SUCH_CONTAINER" });
    const image = await docker.api.GET("/images/{name}/json", { params: { path: { name: "nope" } } }).catch((e: unknown) => e);
    expect(image).toBeInstanceOf(NoSuchImageError);
    expect(image).toMatchObject({ image: "nope", daemonMessage: "No such image: nope:latest" });
    const other = await docker.api.GET("/info", {}).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(DockerApiError);
    expect(other).toMatchObject({ status: 500, daemonMessage: "something broke", request: { method: "GET", path: "/v1.12/info" } });
    expect(isDockerError(other)).toBe(true);
    await docker.close();
  });

  it("a missing socket is ConnectionRefusedError", async () => {
    const docker = createDockerApi<any>({ host: "unix:///nonexistent/berth.sock", apiVersion: "1.12", preferredVersion: "1.10" });
    const error = await docker.api.GET("/_ping", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(error).toMatchObject({ code: "ERR_CONNECTION_REFUSED", endpoint: "unix:///nonexistent/berth.sock", syscallCode: "ENOENT" });
  });

  it("an AbortSignal ends a request that never gets an answer, and frees the socket", async () => {
    server = await startRawServer(() => {
      /* accept and stay silent */
    });
    const docker = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    const controller = new AbortController();
    const pending = docker.api.GET("/containers/{id}/wait", { params: { path: { id: "x" } }, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    controller.abort(new Error("user gave up"));
    const error = await pending.catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(100);
    expect(error).toBeInstanceOf(DockerAbortError);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.sockets[0]!.destroyed || server.sockets[0]!.readableEnded).toBe(true);
    await docker.close();
  });

  it("the headers timeout fires when configured, and is off by default", async () => {
    server = await startRawServer(() => {});
    const timed = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10", headersTimeoutMs: 80 });
    const error = await timed.api.GET("/_ping", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerTimeoutError);
    expect(error).toMatchObject({ phase: "headers", timeoutMs: 80 });
    const untimed = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    const controller = new AbortController();
    const race = await Promise.race([
      untimed.api.GET("/_ping", { signal: controller.signal }).catch(() => "settled"),
      new Promise((r) => setTimeout(() => r("still waiting"), 300)),
    ]);
    expect(race).toBe("still waiting");
    controller.abort();
    await timed.close();
    await untimed.close();
  });

  it("a body cut mid-stream errors the stream with a connection error, never a silent end", async () => {
    server = await startRawServer((socket) => {
      socket.once("data", () => {
        socket.write(head("200 OK", { "Content-Type": "application/x-tar", "Transfer-Encoding": "chunked" }));
        socket.write("5\r\nhello\r\n");
        setTimeout(() => socket.destroy(), 30);
      });
    });
    const docker = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    const { data } = await docker.api.GET("/containers/{id}/export", { params: { path: { id: "x" } }, parseAs: "stream" });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("hello");
    const error = await reader.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerConnectionError);
    await docker.close();
  });

  it("streams large bodies with backpressure instead of buffering them", async () => {
    const total = 8 * 1024 * 1024;
    let written = 0;
    server = await startRawServer((socket) => {
      socket.once("data", () => {
        socket.write(head("200 OK", { "Content-Type": "application/x-tar", "Content-Length": String(total) }));
        const chunk = Buffer.alloc(64 * 1024, 7);
        const pump = () => {
          while (written < total) {
            written += chunk.length;
            if (!socket.write(chunk)) return socket.once("drain", pump);
          }
        };
        pump();
      });
    });
    const docker = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    const { data } = await docker.api.GET("/containers/{id}/export", { params: { path: { id: "x" } }, parseAs: "stream" });
    await new Promise((r) => setTimeout(r, 200));
    // Nobody reads: the server must be held back well before the 8 MiB are out.
    expect(written).toBeLessThan(total);
    let received = 0;
    for await (const chunk of data as ReadableStream<Uint8Array>) received += chunk.byteLength;
    expect(received).toBe(total);
    await docker.close();
  });

  it("reads chunked JSON answers without a web stream, and a cut one is a connection error", async () => {
    let cut = false;
    server = await startRawServer((socket) => {
      socket.on("data", () => {
        socket.write(head("200 OK", { "Content-Type": "application/json", "Transfer-Encoding": "chunked" }));
        const json = JSON.stringify({ Id: "abc", Big: "x".repeat(10_000) });
        socket.write(`${json.length.toString(16)}\r\n${json.slice(0, cut ? 100 : json.length)}`);
        if (cut) setTimeout(() => socket.destroy(), 20);
        else socket.write("\r\n0\r\n\r\n");
      });
    });
    const docker = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    const { data } = await docker.api.GET("/containers/{id}/json", { params: { path: { id: "abc" } } });
    expect(data).toMatchObject({ Id: "abc" });
    expect((data as { Big: string }).Big).toHaveLength(10_000);
    cut = true;
    await docker.close();
    const again = createDockerApi<any>({ host: server.host, apiVersion: "1.12", preferredVersion: "1.10" });
    await expect(again.api.GET("/containers/{id}/json", { params: { path: { id: "abc" } } })).rejects.toBeInstanceOf(DockerConnectionError);
    await again.close();
  });
});
