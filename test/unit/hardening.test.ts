/**
 * Hardening against bad input from both sides, against raw servers that write HTTP/1.1 bytes
 * by hand (msw cannot see sockets, cut bodies or upgrades):
 *
 * - from the caller: ids, image names and header values that try to address another endpoint
 *   or inject a header; the exact request line and head are asserted, for the plain path and
 *   the hijack path (test/unit/transport-node.test.ts has the first cases; these extend them);
 * - from the daemon: malformed JSON in a 2xx, a content type that lies, truncated bodies, a
 *   JSON-lines stream cut mid-object, an oversized frame length, garbage or an endless HTTP
 *   head: a typed error each time, bounded memory, and never a crash of the process;
 * - timeouts and aborts: a server that accepts and never answers (plain and hijack, the TLS
 *   handshake included), an abort of a call, a body stream or an attach within 100 ms, with
 *   the socket freed (counted in /proc/self/fd).
 */
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachToContainer, hijack } from "../../src/attach/index.js";
import { encodeFrame } from "../../src/codecs/demux.js";
import { readJsonStream } from "../../src/codecs/json-stream.js";
import {
  DockerAbortError,
  DockerApiError,
  DockerConnectionError,
  DockerProtocolError,
  DockerTimeoutError,
  InvalidOptionError,
  createDockerApi,
  isDockerError,
  redactPath,
  redactUrlCredentials,
  type DockerApi,
} from "../../src/index.js";
import { nodeSocketToRaw } from "../../src/transport/node-socket.js";

const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Nothing here may crash the process or leave a rejection nobody handles.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  expect(unhandled).toEqual([]);
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Open file descriptors of this process that are sockets (`socket:[inode]`), as `ss` would count them. */
function socketFds(): number {
  let count = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) count++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return count;
}

interface Recorded {
  /** The request head as received, CRLFs included, without the final empty line. */
  head: string;
  requestLine: string;
  socket: net.Socket;
}

/**
 * A unix-socket server that parses request heads (and skips Content-Length bodies), records
 * each, and lets `answer` write whatever bytes the test wants.
 */
async function rawDaemon(answer: (request: Recorded) => void | Promise<void>, kind: "unix" | "tcp" = "unix") {
  const requests: Recorded[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString("latin1");
        let length = Number(/^content-length: *(\d+)/im.exec(head)?.[1] ?? 0);
        // node:http sends a body-less POST as an empty chunked body ("0\r\n\r\n").
        if (/^transfer-encoding: *chunked/im.test(head)) {
          const last = buffered.indexOf("0\r\n\r\n", end + 4);
          if (last < 0) return;
          length = last + 5 - (end + 4);
        }
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        const request = { head, requestLine: head.split("\r\n")[0]!, socket };
        requests.push(request);
        void answer(request);
      }
    };
    socket.on("data", onData);
  });
  let host: string;
  if (kind === "unix") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-hard-"));
    server.listen(path.join(dir, "d.sock"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    await once(server, "listening");
    host = `unix://${path.join(dir, "d.sock")}`;
  } else {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    host = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { host, requests, sockets };
}

function client(host: string, options: { apiVersion?: string; headersTimeoutMs?: number; connectTimeoutMs?: number } = {}): DockerApi<any> {
  const apiVersion = options.apiVersion ?? "1.41";
  const docker = createDockerApi<any>({ host, preferredVersion: apiVersion, ...options, apiVersion });
  cleanups.push(() => docker.close());
  return docker;
}

const answer = (status: string, headers: Record<string, string>, body: string | Buffer = "") =>
  Buffer.concat([
    Buffer.from(
      `HTTP/1.1 ${status}\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("")}\r\n`,
      "latin1",
    ),
    typeof body === "string" ? Buffer.from(body, "latin1") : body,
  ]);
const json = (body: string) =>
  answer("200 OK", { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body, "latin1")) }, body);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("bad input from the caller: ids and names address only the resource they name", () => {
  // Each tries to reach another endpoint, add a query, cut the path, or inject a header.
  const NASTY = [
    "a/b",
    "../../info",
    "../../../v1.41/images/json",
    "x?all=1&size=1",
    "x#fragment",
    "100%",
    "%2e%2e",
    "%2F..%2Fsecrets",
    "a b",
    "\ttab",
    "x\r\nX-Injected: 1",
    "x\r\n\r\nGET /_ping HTTP/1.1",
    "back\\slash",
    "ü-\u{1F433}-名前",
    "..;/x",
    "./x",
    "x/.",
    "x/..",
    "...",
    "\u0000nul",
  ];

  it.each(NASTY)("plain path: %j is one encoded segment of the exact request line", async (id) => {
    const daemon = await rawDaemon((r) => void r.socket.write(json("{}")));
    const docker = client(daemon.host);
    await docker.api.GET("/containers/{id}/json", { params: { path: { id } } });
    await docker.api.DELETE("/images/{name}", { params: { path: { name: id }, query: { force: true } } });
    expect(daemon.requests.map((r) => r.requestLine)).toEqual([
      `GET /v1.41/containers/${encodeURIComponent(id)}/json HTTP/1.1`,
      `DELETE /v1.41/images/${encodeURIComponent(id)}?force=1 HTTP/1.1`,
    ]);
    for (const { head } of daemon.requests) {
      expect(head).not.toMatch(/^X-Injected/im);
      // Exactly the request line and well-formed header lines, nothing the id smuggled in.
      for (const line of head.split("\r\n").slice(1)) expect(line).toMatch(/^[A-Za-z-]+: [^\r\n]*$/);
    }
  });

  it.each(NASTY)("hijack path: %j is one encoded segment of the exact request line", async (id) => {
    const daemon = await rawDaemon((r) => void r.socket.end(UPGRADED));
    const docker = client(daemon.host);
    const connection = await hijack(docker, {
      path: "/containers/{id}/attach",
      pathParams: { id },
      query: { stream: true, detachKeys: id },
    });
    connection.close();
    const encoded = encodeURIComponent(id);
    expect(daemon.requests.map((r) => r.requestLine)).toEqual([
      `POST /v1.41/containers/${encoded}/attach?stream=1&detachKeys=${encoded} HTTP/1.1`,
    ]);
    expect(daemon.requests[0]!.head).not.toMatch(/^X-Injected/im);
  });

  it("image references with registry, port, path, tag and digest stay one segment", async () => {
    const daemon = await rawDaemon((r) => void r.socket.write(json("{}")));
    const docker = client(daemon.host);
    for (const name of ["127.0.0.1:5000/team/app:1.0", "registry.example/a/b/c@sha256:" + "0".repeat(64), "busybox"]) {
      await docker.api.GET("/images/{name}/json", { params: { path: { name } } });
    }
    expect(daemon.requests.map((r) => r.requestLine)).toEqual([
      "GET /v1.41/images/127.0.0.1%3A5000%2Fteam%2Fapp%3A1.0/json HTTP/1.1",
      `GET /v1.41/images/registry.example%2Fa%2Fb%2Fc%40sha256%3A${"0".repeat(64)}/json HTTP/1.1`,
      "GET /v1.41/images/busybox/json HTTP/1.1",
    ]);
  });

  it("'.', '..', empty ids and lone surrogates are refused before anything is sent, on both paths", async () => {
    const daemon = await rawDaemon((r) => void r.socket.end(UPGRADED));
    const docker = client(daemon.host);
    for (const id of [".", "..", "", "\uD800", "a\uDFFFb"]) {
      expect(await failure(docker.api.GET("/containers/{id}/json", { params: { path: { id } } }))).toBeInstanceOf(InvalidOptionError);
      expect(await failure(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id } }))).toBeInstanceOf(InvalidOptionError);
    }
    // (In `filters` a lone surrogate is fine: JSON.stringify escapes it as \ud800.)
    expect(await failure(docker.api.GET("/images/search", { params: { query: { term: "x\uD800" } } }))).toBeInstanceOf(InvalidOptionError);
    expect(daemon.requests).toEqual([]);
  });

  it("an X-Registry-Auth value is sent as exactly one header line, byte for byte", async () => {
    const daemon = await rawDaemon((r) => void r.socket.write(json("{}")));
    const docker = client(daemon.host);
    const auth = Buffer.from(JSON.stringify({ username: "u", password: 'p:w"d\\\n', serveraddress: "r" })).toString("base64url") + "==";
    await docker.api.POST("/images/{name}/push", {
      params: { path: { name: "r/app" } },
      headers: { "X-Registry-Auth": auth },
      parseAs: "text",
    });
    expect(daemon.requests[0]!.head.split("\r\n").filter((l) => /^x-registry-auth:/i.test(l))).toEqual([`x-registry-auth: ${auth}`]);
  });

  it.each([
    ["CR LF", "abc\r\nX-Injected: 1"],
    ["LF", "abc\nX-Injected: 1"],
    ["CR", "abc\rX-Injected: 1"],
    ["a trailing CR LF (which Headers would silently trim)", "abc\r\n"],
    ["NUL", "abc\u0000def"],
  ])("a header value with %s is an InvalidOptionError that does not quote it; nothing is sent", async (_, value) => {
    const daemon = await rawDaemon((r) => void r.socket.write(json("{}")));
    const docker = client(daemon.host);
    const secret = `${value}-s3cr3t`;
    const plain = await failure(
      docker.api.POST("/images/{name}/push", { params: { path: { name: "r/app" } }, headers: { "X-Registry-Auth": secret } }),
    );
    expect(plain).toBeInstanceOf(InvalidOptionError);
    expect((plain as Error).message).not.toContain("s3cr3t");
    const inParams = await failure(
      docker.api.POST("/images/{name}/push", { params: { path: { name: "r/app" }, header: { "X-Registry-Auth": secret } } as never }),
    );
    expect(inParams).toBeInstanceOf(InvalidOptionError);
    const hijacked = await failure(
      hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" }, headers: { "X-Registry-Auth": secret } }),
    );
    expect(hijacked).toBeInstanceOf(InvalidOptionError);
    expect(daemon.requests).toEqual([]);
  });

  it("regression: a User-Agent with CR LF could inject a header on the hijack path; it is refused", async () => {
    const daemon = await rawDaemon((r) => void r.socket.end(UPGRADED));
    expect(() => createDockerApi<any>({ host: daemon.host, preferredVersion: "1.41", userAgent: "tool/1\r\nX-Injected: 1" })).toThrow(
      InvalidOptionError,
    );
    // A hand-made HijackClient (not from createDockerApi) is checked by hijack itself.
    const docker = client(daemon.host);
    const handMade = { transport: docker.transport, versionedPath: docker.versionedPath, userAgent: "tool/1\r\nX-Injected: 1" };
    expect(await failure(hijack(handMade, { path: "/containers/{id}/attach", pathParams: { id: "c" } }))).toBeInstanceOf(
      InvalidOptionError,
    );
    expect(daemon.requests).toEqual([]);
  });
});

describe("bad input from the daemon: a typed error each time, never a crash", () => {
  it("regression: malformed JSON in a 200 is a DockerProtocolError with the request, not a SyntaxError", async () => {
    const bodies = ['{"Id": "abc", "Name":', "<html>proxy error</html>", "\u0000\u0001\u0002", "{}{}"];
    const daemon = await rawDaemon((r) => {
      const body = bodies[(daemon.requests.length - 1) % bodies.length]!;
      // Alternately with Content-Length (buffered) and chunked (streamed, parsed from text()).
      if (daemon.requests.length % 2) r.socket.write(json(body));
      else
        r.socket.write(
          answer(
            "200 OK",
            { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
            `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
          ),
        );
    });
    const docker = client(daemon.host);
    for (let i = 0; i < 8; i++) {
      const error = await failure(docker.api.GET("/containers/{id}/json", { params: { path: { id: "abc" }, query: { size: true } } }));
      expect(error).toBeInstanceOf(DockerProtocolError);
      expect(error).not.toBeInstanceOf(SyntaxError);
      expect(error).toMatchObject({ code: "ERR_PROTOCOL", request: { method: "GET", path: "/v1.41/containers/abc/json?size=1" } });
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it("a content type that lies (says JSON, sends a tar) is a DockerProtocolError", async () => {
    const tar = Buffer.alloc(1024);
    tar.write("etc/passwd", 0);
    tar.write("ustar", 257);
    const daemon = await rawDaemon(
      (r) => void r.socket.write(answer("200 OK", { "Content-Type": "application/json", "Content-Length": "1024" }, tar)),
    );
    expect(await failure(client(daemon.host).api.GET("/images/{name}/json", { params: { path: { name: "x" } } }))).toBeInstanceOf(
      DockerProtocolError,
    );
  });

  it("a body shorter than its Content-Length, and a chunked body cut mid-way, are DockerConnectionErrors", async () => {
    const daemon = await rawDaemon((r) => {
      const close = { Connection: "close" };
      if (r.requestLine.includes("/short/"))
        r.socket.end(answer("200 OK", { ...close, "Content-Type": "application/json", "Content-Length": "100" }, '{"Id":"abc"'));
      else
        r.socket.end(answer("200 OK", { ...close, "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, '8\r\n{"Id":"a'));
    });
    const docker = client(daemon.host);
    for (const id of ["short", "chunked"]) {
      const error = await failure(docker.api.GET("/containers/{id}/json", { params: { path: { id } } }));
      expect(error).toBeInstanceOf(DockerConnectionError);
    }
  });

  it("a JSON-lines stream cut mid-object: DockerProtocolError at its end (clean end) or DockerConnectionError (cut connection)", async () => {
    const lines = '{"status":"Pulling fs layer","id":"a"}\n{"status":"Downloading","progressDetail":{"curr';
    const daemon = await rawDaemon((r) => {
      const chunk = `${lines.length.toString(16)}\r\n${lines}\r\n`;
      const head = answer("200 OK", { Connection: "close", "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
      if (r.requestLine.includes("clean")) r.socket.end(Buffer.concat([head, Buffer.from(`${chunk}0\r\n\r\n`)]));
      else r.socket.end(Buffer.concat([head, Buffer.from(chunk)]));
    });
    const docker = client(daemon.host);
    for (const [fromImage, expected] of [
      ["clean", DockerProtocolError],
      ["cut", DockerConnectionError],
    ] as const) {
      const { data } = await docker.api.POST("/images/create", { params: { query: { fromImage } }, parseAs: "stream" });
      const values: unknown[] = [];
      const error = await failure(
        (async () => {
          for await (const item of readJsonStream(data as ReadableStream<Uint8Array>)) values.push(item.value);
        })(),
      );
      expect(values).toEqual([{ status: "Pulling fs layer", id: "a" }]);
      expect(error).toBeInstanceOf(expected);
    }
  });

  it("a JSON value that never ends is cut at maxValueLength: memory stays bounded while 48 MiB stream in", async () => {
    const total = 48 * 1024 * 1024;
    const daemon = await rawDaemon((r) => {
      r.socket.write(answer("200 OK", { "Content-Type": "application/json", "Content-Length": String(total + 2) }));
      const chunk = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      r.socket.write('{"');
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!r.socket.write(chunk)) return void r.socket.once("drain", pump);
        }
        r.socket.end();
      };
      pump();
    });
    const { data } = await client(daemon.host).api.GET("/events", { parseAs: "stream" });
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const items: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const item of readJsonStream(data as ReadableStream<Uint8Array>, { maxValueLength: 1024 * 1024 })) {
          items.push(item);
          peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        }
      })(),
    );
    // The value is never complete: it is reported once as it crosses the limit (issue 16 item 1:
    // a value that never ends is not silent), and the end of input inside it is the error.
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(items).toHaveLength(1);
    expect((items[0] as { error: Error }).error.message).toMatch(/exceeds the limit of 1048576 characters/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });

  it("an oversized frame length on attach fails with DockerProtocolError before anything is buffered", async () => {
    const daemon = await rawDaemon((r) => {
      const header = Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      r.socket.write(Buffer.concat([Buffer.from(UPGRADED), encodeFrame("stdout", "ok"), header, Buffer.alloc(1024)]));
    });
    const session = await attachToContainer(client(daemon.host), { container: "c", stream: true, stdout: true, tty: false });
    const got: string[] = [];
    const error = await failure(
      (async () => {
        for await (const piece of session.frames()) got.push(new TextDecoder().decode(piece.data));
      })(),
    );
    expect(got).toEqual(["ok"]);
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect((error as Error).message).toMatch(/4294967295 bytes exceeds maxFrameBytes/);
    await expect(session.closed).rejects.toBeInstanceOf(DockerProtocolError);
  });

  it("a content type that says multiplexed while the bytes are raw is a DockerProtocolError; raw-stream bytes pass through unchanged", async () => {
    const daemon = await rawDaemon((r) => {
      const multiplexed = r.requestLine.includes("/liar-mux/");
      r.socket.end(
        Buffer.concat([
          Buffer.from(multiplexed ? UPGRADED.replace("raw-stream", "multiplexed-stream") : UPGRADED),
          multiplexed ? Buffer.from("plain tty text\r\n") : encodeFrame("stdout", "framed"),
        ]),
      );
    });
    const docker = client(daemon.host, { apiVersion: "1.43" });
    const mux = await attachToContainer(docker, { container: "liar-mux", stream: true, stdout: true });
    expect(mux.kind).toBe("multiplexed");
    const muxError = await failure(new Response(mux.stdout).arrayBuffer());
    expect(muxError).toBeInstanceOf(DockerProtocolError);
    // From API 1.42 raw-stream means a TTY: whatever bytes come are the output, framing included.
    const raw = await attachToContainer(docker, { container: "liar-raw", stream: true, stdout: true });
    expect(raw.kind).toBe("raw");
    expect(Buffer.from(await new Response(raw.stdout).arrayBuffer())).toEqual(Buffer.from(encodeFrame("stdout", "framed")));
  });

  it.each([
    ["garbage", "SSH-2.0-OpenSSH_9.6\r\n"],
    ["binary", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"],
    ["a bad status line", "HTTP/1.1 2000 OK\r\n\r\n"],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nContent-Type application/json\r\n\r\n"],
  ])("%s instead of an HTTP head: DockerProtocolError on the plain path and on the hijack path", async (_, bytes) => {
    const daemon = await rawDaemon((r) => void r.socket.end(Buffer.from(bytes, "latin1")));
    const docker = client(daemon.host);
    const plain = await failure(docker.api.GET("/_ping", { parseAs: "text" }));
    expect(plain).toBeInstanceOf(DockerProtocolError);
    const hijacked = await failure(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" } }));
    expect(hijacked).toBeInstanceOf(DockerProtocolError);
  });

  it("regression: a 101 answer to a plain request (an upgrade nobody asked for) is a DockerProtocolError, not a hang", async () => {
    const daemon = await rawDaemon((r) => void r.socket.end(`${UPGRADED}raw bytes`));
    const docker = client(daemon.host);
    const error = await failure(
      Promise.race([docker.api.GET("/_ping", { parseAs: "text" }), delay(2_000).then(() => "still waiting after 2 s")]).then((v) => {
        throw v;
      }),
    );
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(error).toMatchObject({ request: { method: "GET", path: "/v1.41/_ping" } });
  });

  it("an HTTP head that never ends is refused at its bound on both paths (16 KiB plain, 64 KiB hijack)", async () => {
    let written = 0;
    const daemon = await rawDaemon((r) => {
      r.socket.write("HTTP/1.1 200 OK\r\n");
      const line = Buffer.from(`X-Filler: ${"f".repeat(1000)}\r\n`);
      const pump = () => {
        while (!r.socket.destroyed && written < 64 * 1024 * 1024) {
          written += line.length;
          if (!r.socket.write(line)) return void r.socket.once("drain", pump);
        }
      };
      pump();
    });
    const docker = client(daemon.host);
    expect(await failure(docker.api.GET("/_ping", { parseAs: "text" }))).toBeInstanceOf(DockerProtocolError);
    expect(await failure(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" } }))).toBeInstanceOf(DockerProtocolError);
    // Far less than the 64 MiB on offer was read before each refusal.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it("regression: a second 'error' event on a raw connection's socket (TLS alert, then ECONNRESET) no longer crashes the process", async () => {
    const daemon = await rawDaemon(() => {}, "tcp");
    const port = Number(daemon.host.split(":").at(-1));
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    await once(socket, "connect");
    const connection = nodeSocketToRaw(socket, "tcp://127.0.0.1");
    const reading = failure(connection.readable.getReader().read());
    // Node's TLS socket emits an alert received after the handshake without destroying itself;
    // the read error that follows is a second 'error' event (both emitted here by hand).
    socket.emit("error", Object.assign(new Error("sslv3 alert bad certificate"), { code: "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE" }));
    socket.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    expect(await reading).toBeInstanceOf(DockerConnectionError);
    // The first error also frees the descriptor.
    expect(socket.destroyed).toBe(true);
    await connection.closed;
  });
});

describe("credentials stay out of errors", () => {
  const SECRET = "s3cr3t-t0ken";

  it("redactPath: user info of URL values and build args values become ***; other paths are returned as they are", () => {
    const remote = encodeURIComponent(`https://ci:${SECRET}@git.example/repo.git#main`);
    expect(decodeURIComponent(redactPath(`/v1.41/build?remote=${remote}&t=app`))).toBe(
      "/v1.41/build?remote=https://***@git.example/repo.git#main&t=app",
    );
    const args = encodeURIComponent(JSON.stringify({ NPM_TOKEN: SECRET, MODE: "ci" }));
    expect(decodeURIComponent(redactPath(`/v1.41/build?buildargs=${args}`))).toBe(
      '/v1.41/build?buildargs={"NPM_TOKEN":"***","MODE":"***"}',
    );
    expect(
      decodeURIComponent(redactPath(`/v1.41/images/create?fromSrc=${encodeURIComponent(`http://u:${SECRET}@h/x.tar`)}`)),
    ).not.toContain(SECRET);
    const plain = "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%40b%22%5D%7D";
    expect(redactPath(plain)).toBe(plain);
    expect(redactUrlCredentials(`see http://user:${SECRET}@h:1/x and ftp://anon@h`)).toBe("see http://***@h:1/x and ftp://***@h");
    expect(redactUrlCredentials("mail me at someone@example.com")).toBe("mail me at someone@example.com");
  });

  it("a daemon message that quotes a URL with its password, a connection error and an API error of a call with X-Registry-Auth", async () => {
    const auth = Buffer.from(JSON.stringify({ username: "u", password: SECRET })).toString("base64url");
    const daemon = await rawDaemon((r) => {
      if (r.requestLine.includes("/build")) {
        const body = JSON.stringify({ message: `error downloading remote context https://ci:${SECRET}@git.example/repo.git` });
        r.socket.write(
          answer("500 Internal Server Error", { "Content-Type": "application/json", "Content-Length": String(body.length) }, body),
        );
      } else if (r.requestLine.includes("/push")) {
        r.socket.write(answer("500 Internal Server Error", { "Content-Type": "text/plain", "Content-Length": "18" }, "invalid tag format"));
      } else r.socket.destroy();
    });
    const docker = client(daemon.host);
    const remote = `https://ci:${SECRET}@git.example/repo.git`;
    const errors = [
      await failure(docker.api.POST("/build", { params: { query: { remote, buildargs: { TOKEN: SECRET } } }, parseAs: "text" })),
      await failure(
        docker.api.POST("/images/{name}/push", {
          params: { path: { name: "r/app" }, query: { tag: "x" } },
          headers: { "X-Registry-Auth": auth },
        }),
      ),
      await failure(docker.api.POST("/images/create", { params: { query: { fromSrc: remote } }, parseAs: "text" })),
      await failure(hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" }, query: { detachKeys: remote } })),
    ];
    expect(errors.map((e) => (e as Error).name)).toEqual([
      "DockerApiError",
      "DockerApiError",
      "DockerConnectionError",
      "DockerProtocolError",
    ]);
    expect((errors[3] as DockerProtocolError).request?.path).toContain("detachKeys=https%3A%2F%2F***%40git.example");
    for (const error of errors) {
      const everything = `${inspect(error, { depth: Infinity, showHidden: true })}${JSON.stringify(error)}`;
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain(auth);
    }
    expect((errors[0] as DockerApiError).daemonMessage).toBe("error downloading remote context https://***@git.example/repo.git");
  });
});

describe("timeouts: a server that accepts and never answers", () => {
  /** A TCP server that accepts and stays silent: the TLS handshake never completes. */
  async function silentTcp() {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => {});
      s.resume(); // read the ClientHello, never answer it
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    return { port: (server.address() as net.AddressInfo).port, sockets };
  }

  it("the connect timeout covers the TLS handshake, for plain requests and for hijack", async () => {
    const { port, sockets } = await silentTcp();
    const docker = createDockerApi<any>({
      host: `tcp://127.0.0.1:${port}`,
      tls: {},
      preferredVersion: "1.41",
      apiVersion: "1.41",
      connectTimeoutMs: 150,
    });
    cleanups.push(() => docker.close());
    for (const call of [
      () => docker.api.GET("/_ping", { parseAs: "text" }),
      () => hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" } }),
    ]) {
      const started = performance.now();
      const error = await failure(call());
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(DockerTimeoutError);
      expect(error).toMatchObject({ phase: "connect", timeoutMs: 150 });
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(400);
    }
    await delay(20);
    expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true);
  });

  it("the headers timeout fires on plain requests and hijack; once the head is in, a slow body is never cut", async () => {
    const daemon = await rawDaemon(async (r) => {
      if (r.requestLine.includes("/silent")) return;
      // The head at once, the body over four times the timeout.
      r.socket.write(answer("200 OK", { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" }));
      for (let i = 0; i < 8; i++) {
        await delay(50);
        if (r.socket.destroyed) return;
        r.socket.write("1\r\nx\r\n");
      }
      r.socket.end("0\r\n\r\n");
    });
    const docker = client(daemon.host, { headersTimeoutMs: 100 });
    for (const call of [
      () => docker.api.GET("/silent", { parseAs: "text" }),
      () => hijack(docker, { path: "/silent/{id}", pathParams: { id: "c" } }),
    ]) {
      const started = performance.now();
      const error = await failure(call());
      expect(error).toBeInstanceOf(DockerTimeoutError);
      expect(error).toMatchObject({ phase: "headers", timeoutMs: 100 });
      expect(performance.now() - started).toBeLessThan(400);
    }
    const { data } = await docker.api.GET("/slow", { parseAs: "text" });
    expect(data).toBe("xxxxxxxx");
  });
});

describe("aborts: within 100 ms, and the socket is freed", () => {
  it("a call waiting for its answer, a body stream being read, and an attach session", async () => {
    const daemon = await rawDaemon((r) => {
      // The server's own sockets count in /proc/self/fd too: let them go when the client's do.
      r.socket.once("end", () => r.socket.destroy());
      if (r.requestLine.includes("/wait")) return; // never answers
      if (r.requestLine.includes("/attach")) {
        r.socket.write(UPGRADED);
        const timer = setInterval(() => !r.socket.destroyed && r.socket.write(encodeFrame("stdout", "tick\n")), 5);
        r.socket.on("close", () => clearInterval(timer));
        return;
      }
      r.socket.write(answer("200 OK", { "Content-Type": "application/x-tar", "Transfer-Encoding": "chunked" }));
      const timer = setInterval(() => !r.socket.destroyed && r.socket.write("4\r\ndata\r\n"), 5);
      r.socket.on("close", () => clearInterval(timer));
    });
    const docker = client(daemon.host);
    const baseline = socketFds();
    const latencies: Record<string, number> = {};
    const serverClosed = (index: number) =>
      new Promise<void>((resolve) => {
        const socket = daemon.requests[index]!.socket;
        if (socket.destroyed || socket.readableEnded) return resolve();
        socket.once("end", () => resolve());
        socket.once("close", () => resolve());
      });

    // 1. A call that never gets its answer.
    const call = new AbortController();
    const waiting = failure(docker.api.POST("/containers/{id}/wait", { params: { path: { id: "c" } }, signal: call.signal }));
    while (daemon.requests.length < 1) await delay(2);
    let started = performance.now();
    call.abort();
    expect(await waiting).toBeInstanceOf(DockerAbortError);
    await serverClosed(0);
    latencies["call"] = performance.now() - started;

    // 2. A body stream that is being read.
    const stream = new AbortController();
    const { data } = await docker.api.GET("/containers/{id}/export", {
      params: { path: { id: "c" } },
      parseAs: "stream",
      signal: stream.signal,
    });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    started = performance.now();
    stream.abort();
    const readError = await failure(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    expect(readError).toBeInstanceOf(DockerAbortError);
    await serverClosed(1);
    latencies["stream"] = performance.now() - started;

    // 3. An attach session.
    const attach = new AbortController();
    const session = await attachToContainer(docker, { container: "c", stream: true, stdout: true, tty: false, signal: attach.signal });
    await session.stdout.getReader().read();
    started = performance.now();
    attach.abort();
    expect(await failure(session.closed)).toBeInstanceOf(DockerAbortError);
    await serverClosed(2);
    latencies["attach"] = performance.now() - started;

    for (const [what, ms] of Object.entries(latencies)) expect(ms, what).toBeLessThan(100);
    // Every socket of the three is gone (keep-alive pool included: nothing reusable was left).
    await delay(20);
    expect(socketFds()).toBeLessThanOrEqual(baseline);
    console.log(
      `[hardening] abort latency: ${Object.entries(latencies)
        .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
        .join(", ")}`,
    );
  });

  it("regression: after an attach is aborted, output already queued is not handed out (reads fail at once)", async () => {
    const daemon = await rawDaemon((r) => {
      r.socket.write(UPGRADED);
      const timer = setInterval(() => !r.socket.destroyed && r.socket.write(encodeFrame("stdout", "tick\n")), 2);
      r.socket.on("close", () => clearInterval(timer));
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
    await reader.read();
    await delay(50); // the split queues what arrives meanwhile (up to its high-water mark)
    controller.abort();
    // No await in between: the queued ticks must not come out after the abort.
    expect(await failure(reader.read().then((r) => (r.done ? Promise.reject(new Error("ended cleanly")) : r)))).toBeInstanceOf(
      DockerAbortError,
    );
    expect(await failure(session.closed)).toBeInstanceOf(DockerAbortError);
  });

  it("every failure above is a berth error (isDockerError), so callers can branch on code", () => {
    for (const error of [new DockerProtocolError("x"), new DockerTimeoutError("connect", 1), new DockerAbortError()])
      expect(isDockerError(error)).toBe(true);
  });
});
