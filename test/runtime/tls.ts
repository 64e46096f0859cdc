/**
 * TLS and hardening checks run unchanged on Node (via tsx), Bun and Deno:
 *   npx tsx test/runtime/tls.ts | npx bun run test/runtime/tls.ts | npx deno run -A test/runtime/tls.ts
 *
 * - against the `--tlsverify` daemon of `scripts/daemon.sh start-tls` (BERTH_TEST_TLS_*, set by
 *   `npm test`): the client certificate connects; a certificate from another CA, a certificate
 *   lacking the dialled name and a missing client certificate are refused with DockerTlsError;
 *   `verify: false` opts out (Deno: refused with InvalidEndpointError, it has no per-client switch);
 *   an aborted stream ends within 100 ms;
 * - against a raw TCP server (node:net, which all three provide): ids and names are encoded into
 *   the exact request line, header values cannot inject headers, and bad answers (malformed
 *   JSON, a cut body, garbage instead of HTTP, an unasked-for 101) are typed errors.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { attachToContainer, hijack } from "../../src/attach/index.js";
import {
  DockerAbortError,
  DockerConnectionError,
  DockerProtocolError,
  DockerTimeoutError,
  DockerTlsError,
  InvalidEndpointError,
  InvalidOptionError,
  createDockerApi,
  type DockerApi,
  type TlsOptions,
} from "../../src/index.js";
import { assert, assertEqual, env, rejects, run, runtimeName, test } from "./harness.js";

const tlsHost = env("BERTH_TEST_TLS_DOCKER_HOST");
const mismatchHost = env("BERTH_TEST_TLS_MISMATCH_HOST");
const certs = env("BERTH_TEST_TLS_CERTS");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
if (!tlsHost || !mismatchHost || !certs)
  throw new Error('BERTH_TEST_TLS_* are not set: run through `npm test` (or eval "$(bash scripts/daemon.sh start-tls)")');
const isDeno = runtimeName() === "deno";
const pem = (name: string) => fs.readFileSync(path.join(certs, name), "utf8");
const good = (): TlsOptions => ({ ca: pem("ca.pem"), cert: pem("cert.pem"), key: pem("key.pem") });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: DockerApi<any>[] = [];
function api(host: string, tls?: TlsOptions, userAgent?: string): DockerApi<any> {
  const docker = createDockerApi<any>({ host, tls, preferredVersion: "1.41", apiVersion: "1.41", ...(userAgent ? { userAgent } : {}) });
  opened.push(docker);
  return docker;
}

/** A plain request and a hijack on the same client, each settled. */
async function both(docker: DockerApi<any>): Promise<{ plain: unknown; hijacked: unknown }> {
  const plain = await docker.api.GET("/_ping", { parseAs: "text" }).then(
    (r) => r.data,
    (e: unknown) => e,
  );
  const hijacked = await hijack(docker, { method: "GET", path: "/_ping" }).then(
    (c) => {
      c.close();
      return "OK";
    },
    (e: unknown) => e,
  );
  return { plain, hijacked };
}

function assertTlsError(error: unknown, failures: string[], what: string): void {
  assert(error instanceof DockerTlsError, `${what}: a DockerTlsError, got ${String(error)}`);
  assert(error instanceof DockerConnectionError, `${what}: DockerTlsError is a DockerConnectionError`);
  assert(failures.includes(error.failure), `${what}: failure ${error.failure} is one of ${failures.join(", ")} (${error.message})`);
}

// ---------------------------------------------------------------------------------------------
// TLS against dockerd --tlsverify

test("the client certificate connects (plain request and hijack)", async () => {
  assertEqual(await both(api(tlsHost, good())), { plain: "OK", hijacked: "OK" });
  assertEqual(await both(api(tlsHost.replace("127.0.0.1", "localhost"), good())), { plain: "OK", hijacked: "OK" }, "by DNS name");
});

test("attach over TLS: echo through cat with stdin half-close", async () => {
  const docker = api(tlsHost, good());
  const { data } = await docker.api.POST("/containers/create", {
    params: { query: { name: `berth-test-tls-rt-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}` } },
    body: {
      Image: image,
      Cmd: ["cat"],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      NetworkDisabled: true,
      HostConfig: { NetworkMode: "none" },
      StopTimeout: 1,
    },
  });
  const id = data.Id as string;
  try {
    const session = await attachToContainer(docker, {
      container: id,
      stream: true,
      stdin: true,
      stdout: true,
      tty: false,
      inputStream: `hello from ${runtimeName()}\n`,
    });
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
    assertEqual(await new Response(session.stdout).text(), `hello from ${runtimeName()}\n`);
    await session.closed;
  } finally {
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
  }
});

test("a daemon certificate not signed by the given CA is refused", async () => {
  const { plain, hijacked } = await both(api(tlsHost, { ...good(), ca: pem("other-ca.pem") }));
  assertTlsError(plain, ["untrusted-certificate"], "plain");
  assertTlsError(hijacked, ["untrusted-certificate"], "hijack");
});

test("a daemon certificate without the dialled name is refused", async () => {
  const { plain, hijacked } = await both(api(mismatchHost, good()));
  assertTlsError(plain, ["hostname-mismatch"], "plain");
  assertTlsError(hijacked, ["hostname-mismatch"], "hijack");
});

test("verify: false is an explicit opt-out (Deno: InvalidEndpointError, no per-client switch)", async () => {
  if (isDeno) {
    let error: unknown;
    try {
      api(mismatchHost, { ...good(), verify: false });
    } catch (e) {
      error = e;
    }
    assert(error instanceof InvalidEndpointError, `Deno refuses verify: false with InvalidEndpointError, got ${String(error)}`);
    assert(/unsafely-ignore-certificate-errors/.test((error as Error).message), "the message names Deno's own flag");
    return;
  }
  assertEqual(await both(api(mismatchHost, { ...good(), verify: false })), { plain: "OK", hijacked: "OK" });
});

test("without a client certificate the daemon refuses, and the error says so", async () => {
  const { plain, hijacked } = await both(api(tlsHost, { ca: pem("ca.pem") }));
  // Bun's fetch reports only that the handshake failed (EPROTO), not the daemon's alert.
  assertTlsError(
    plain,
    runtimeName().startsWith("bun") ? ["client-certificate-refused", "handshake-failed"] : ["client-certificate-refused"],
    "plain",
  );
  assertTlsError(hijacked, ["client-certificate-refused"], "hijack");
  for (const error of [plain, hijacked])
    assert(/client certificate/.test((error as Error).message), `message names the client certificate: ${(error as Error).message}`);
});

test("an aborted event stream over TLS ends within 100 ms", async () => {
  const docker = api(tlsHost, good());
  const controller = new AbortController();
  const { data } = await docker.api.GET("/events", { parseAs: "stream", signal: controller.signal });
  const pending = (data as ReadableStream<Uint8Array>)
    .getReader()
    .read()
    .catch((e: unknown) => e);
  await delay(50);
  const started = performance.now();
  controller.abort();
  const error = await pending;
  const elapsed = performance.now() - started;
  assert(error instanceof DockerAbortError, `DockerAbortError, got ${String(error)}`);
  assert(elapsed < 100, `ended after ${elapsed.toFixed(1)} ms`);
});

// ---------------------------------------------------------------------------------------------
// A raw TCP server: exact request lines, header injection, bad answers

interface Seen {
  head: string;
  line: string;
}

/** Records every request head and answers with `respond(requestLine)`. */
async function rawServer(respond: (line: string) => string): Promise<{ host: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let buffered = "";
    socket.on("data", (chunk: Uint8Array) => {
      buffered += new TextDecoder("latin1").decode(chunk);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.slice(0, end);
        let rest = buffered.slice(end + 4);
        const length = Number(/^content-length: *(\d+)/im.exec(head)?.[1] ?? 0);
        if (/^transfer-encoding: *chunked/im.test(head)) {
          const last = rest.indexOf("0\r\n\r\n");
          if (last < 0) return;
          rest = rest.slice(last + 5);
        } else {
          if (rest.length < length) return;
          rest = rest.slice(length);
        }
        buffered = rest;
        const line = head.split("\r\n")[0]!;
        seen.push({ head, line });
        socket.end(respond(line));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `tcp://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const OK_JSON = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

test("ids and names are one encoded segment of the exact request line (plain and hijack)", async () => {
  const server = await rawServer((line) => (line.startsWith("POST") ? UPGRADED : OK_JSON));
  try {
    const docker = api(server.host);
    const ids = ["../../info", "a/b?all=1#x", "x\r\nX-Injected: 1", "100% ü\u{1F433}", "%2e%2e", "back\\slash", "..;"];
    for (const id of ids) {
      await docker.api.GET("/containers/{id}/json", { params: { path: { id } } });
      const connection = await hijack(docker, { path: "/containers/{id}/attach", pathParams: { id }, query: { stream: true } });
      connection.close();
    }
    const expected = ids.flatMap((id) => [
      `GET /v1.41/containers/${encodeURIComponent(id)}/json HTTP/1.1`,
      `POST /v1.41/containers/${encodeURIComponent(id)}/attach?stream=1 HTTP/1.1`,
    ]);
    assertEqual(
      server.seen.map((s) => s.line),
      expected,
      "request lines",
    );
    assert(!server.seen.some((s) => /^X-Injected/im.test(s.head)), "no injected header");
  } finally {
    await server.close();
  }
});

test("header values cannot inject headers: X-Registry-Auth and the User-Agent are refused before sending", async () => {
  const server = await rawServer((line) => (line.startsWith("POST /v1.41/containers") ? UPGRADED : OK_JSON));
  try {
    const docker = api(server.host);
    for (const value of ["a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\r\n"]) {
      const plain = await rejects(
        docker.api.POST("/images/{name}/push", { params: { path: { name: "r/app" } }, headers: { "X-Registry-Auth": value } }),
      );
      assert(plain instanceof InvalidOptionError, `plain: InvalidOptionError, got ${String(plain)}`);
      const hijacked = await rejects(
        hijack(docker, { path: "/containers/{id}/attach", pathParams: { id: "c" }, headers: { "X-Registry-Auth": value } }),
      );
      assert(hijacked instanceof InvalidOptionError, `hijack: InvalidOptionError, got ${String(hijacked)}`);
    }
    let userAgentError: unknown;
    try {
      api(server.host, undefined, "tool/1\r\nX-Injected: 1");
    } catch (e) {
      userAgentError = e;
    }
    assert(userAgentError instanceof InvalidOptionError, "a User-Agent with CR LF is refused");
    assertEqual(server.seen.length, 0, "nothing was sent");
    // A good value arrives as exactly one header line.
    const auth = btoa(JSON.stringify({ username: "u", password: "p" }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await docker.api.POST("/images/{name}/push", {
      params: { path: { name: "r/app" } },
      headers: { "X-Registry-Auth": auth },
      parseAs: "text",
    });
    assertEqual(
      server.seen[0]!.head.split("\r\n")
        .filter((l) => /^x-registry-auth:/i.test(l))
        .map((l) => l.slice(l.indexOf(":") + 1).trim()),
      [auth],
    );
  } finally {
    await server.close();
  }
});

test("bad answers are typed errors: malformed JSON, a cut body, garbage instead of HTTP, an unasked-for 101", async () => {
  const answers: Record<string, string> = {
    json: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":',
    cut: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"Id":',
    chunked: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n8\r\n{"Id":"a',
    garbage: "SSH-2.0-OpenSSH_9.6\r\n",
    upgrade: `${UPGRADED}raw`,
  };
  const server = await rawServer((line) => answers[/\/containers\/(\w+)\//.exec(line)?.[1] ?? "garbage"]!);
  try {
    const docker = api(server.host);
    const expected: Record<string, new (...args: never[]) => Error> = {
      json: DockerProtocolError,
      cut: DockerConnectionError,
      chunked: DockerConnectionError,
      garbage: DockerProtocolError,
      upgrade: DockerProtocolError,
    };
    for (const [id, type] of Object.entries(expected)) {
      const error = await rejects(docker.api.GET("/containers/{id}/json", { params: { path: { id } } }));
      assert(error instanceof type, `${id}: ${type.name}, got ${String(error)}`);
    }
    // A streamed body cut mid-way: the stream errors with a typed error too.
    const { data } = await docker.api.GET("/containers/{id}/json", { params: { path: { id: "chunked" } }, parseAs: "stream" });
    const streamError = await rejects(new Response(data as ReadableStream<Uint8Array>).text());
    assert(streamError instanceof DockerConnectionError, `stream: DockerConnectionError, got ${String(streamError)}`);
  } finally {
    await server.close();
  }
});

test("a server that accepts and never answers: the connect timeout covers the TLS handshake, the headers timeout the wait for the answer", async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.resume(); // reads the ClientHello or the request, never answers
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const timed = async (what: string, call: () => Promise<unknown>, phases: string[]) => {
    const started = performance.now();
    const error = await Promise.race([
      call().then(
        () => "resolved",
        (e: unknown) => e,
      ),
      delay(3_000).then(() => "still waiting after 3 s"),
    ]);
    const elapsed = performance.now() - started;
    assert(error instanceof DockerTimeoutError, `${what}: DockerTimeoutError, got ${String(error)}`);
    assert(phases.includes(error.phase), `${what}: phase ${error.phase}`);
    assert(elapsed < 1_000, `${what}: after ${elapsed.toFixed(0)} ms`);
  };
  try {
    const tlsClient = createDockerApi<any>({
      host: `tcp://127.0.0.1:${port}`,
      tls: {},
      preferredVersion: "1.41",
      apiVersion: "1.41",
      connectTimeoutMs: 150,
      headersTimeoutMs: 300,
    });
    opened.push(tlsClient);
    await timed("TLS hijack", () => hijack(tlsClient, { method: "GET", path: "/_ping" }), ["connect"]);
    // Bun's and Deno's fetch dial by themselves, so berth cannot time their handshake apart:
    // there the headers timeout is what ends a plain request (see docs/security.md).
    await timed("TLS plain request", () => tlsClient.api.GET("/_ping", { parseAs: "text" }), ["connect", "headers"]);
    const plainClient = createDockerApi<any>({
      host: `tcp://127.0.0.1:${port}`,
      preferredVersion: "1.41",
      apiVersion: "1.41",
      headersTimeoutMs: 150,
    });
    opened.push(plainClient);
    await timed("plain request", () => plainClient.api.GET("/_ping", { parseAs: "text" }), ["headers"]);
    await timed("hijack", () => hijack(plainClient, { method: "GET", path: "/_ping" }), ["headers"]);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("close the clients", async () => {
  for (const docker of opened.splice(0)) await docker.close();
});

await run("tls");
