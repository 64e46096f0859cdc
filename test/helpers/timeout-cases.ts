/**
 * The timeout, timeout-validation and signal cases (issue #16 items 2, 4 and 6), written once
 * and run on Node by test/unit/transport-timeouts.test.ts and on Bun and Deno by
 * test/runtime/timeouts.ts. Each case starts a unix-socket server that answers with a head and
 * then stays silent (or trickles), and checks which `DockerTimeoutError` phase ends the call.
 * The bounds are short (300 ms); the checks are on the phase and on "not cut", never on how
 * fast a timer fired, so a loaded machine only makes them slower.
 */
import type net from "node:net";
import { createDockerApi, DockerClient, DockerTimeoutError, InvalidOptionError, type ConnectionOptions } from "../../src/index.js";
import { DockerRequest } from "../../src/transport/messages.js";
import { startRawServer, type RawServer } from "./fake-daemon.js";

export interface TimeoutCase {
  name: string;
  run(): Promise<void>;
}

const BOUND_MS = 300;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`assertion failed: ${what} resolved`);
}

function isTimeout(error: unknown, phase: string, timeoutMs = BOUND_MS): boolean {
  return error instanceof DockerTimeoutError && error.phase === phase && error.timeoutMs === timeoutMs;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server that runs `answer` on every request head it reads (one request per connection at a time). */
async function serve(answer: (socket: net.Socket, head: string) => void | Promise<void>): Promise<RawServer> {
  return startRawServer((socket) => {
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      void answer(socket, head);
    });
  });
}

async function withServer(
  answer: (socket: net.Socket, head: string) => void | Promise<void>,
  body: (host: string) => Promise<void>,
): Promise<void> {
  const server = await serve(answer);
  try {
    await body(server.host);
  } finally {
    await server.close();
  }
}

function api(host: string, options: Omit<ConnectionOptions, "host"> = {}) {
  return createDockerApi<any>({ host, apiVersion: "1.41", preferredVersion: "1.41", ...options });
}

function get(docker: ReturnType<typeof api>, path: string, init: ConstructorParameters<typeof DockerRequest>[1] = {}) {
  return docker.transport.fetch(new DockerRequest(`http://docker${path}`, init));
}

const LENGTH_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
const CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

/** Reads a body stream to its end (or its error). */
async function drain(stream: ReadableStream<Uint8Array> | null): Promise<number> {
  check(stream, "a body");
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
  }
}

export const timeoutCases: TimeoutCase[] = [
  {
    name: "Content-Length body, then silence: the idle bound ends it (phase idle)",
    run: () =>
      withServer(
        (socket) => void socket.write(`${LENGTH_HEAD}{"Id":`),
        async (host) => {
          const docker = api(host, { streamIdleTimeoutMs: BOUND_MS });
          const error = await rejection(get(docker, "/v1.41/containers/x/json"), "a silent Content-Length body");
          check(isTimeout(error, "idle"), `idle timeout, got ${describe(error)}`);
          await docker.close();
        },
      ),
  },
  {
    name: "chunked body, then silence, read as a stream: the stream errors (phase idle), the pool goes on",
    run: () => {
      let calls = 0;
      return withServer(
        (socket) => {
          calls++;
          if (calls === 1) socket.write(CHUNKED_HEAD + chunk("first piece"));
          else socket.write(`${CHUNKED_HEAD}${chunk("ok")}0\r\n\r\n`);
        },
        async (host) => {
          const docker = api(host, { streamIdleTimeoutMs: BOUND_MS, maxSockets: 1 });
          const response = await get(docker, "/v1.41/containers/x/export");
          const error = await rejection(drain(response.body), "a silent chunked body");
          check(isTimeout(error, "idle"), `idle timeout, got ${describe(error)}`);
          const next = await get(docker, "/v1.41/containers/x/export");
          check((await next.text()) === "ok", "the next call on the pool answers");
          await docker.close();
        },
      );
    },
  },
  {
    name: "a body trickling a byte at a time: the idle bound is not hit, the response bound is (phase response)",
    run: () =>
      withServer(
        async (socket) => {
          socket.write(CHUNKED_HEAD);
          for (let i = 0; i < 100 && !socket.destroyed; i++) {
            socket.write(chunk("x"));
            await sleep(BOUND_MS / 6);
          }
        },
        async (host) => {
          const docker = api(host, { streamIdleTimeoutMs: BOUND_MS, responseTimeoutMs: BOUND_MS * 2 });
          const response = await get(docker, "/v1.41/containers/x/logs?stdout=1");
          const error = await rejection(drain(response.body), "a trickling body");
          check(isTimeout(error, "response", BOUND_MS * 2), `response timeout, got ${describe(error)}`);
          await docker.close();
        },
      ),
  },
  {
    name: "through the client: an export whose daemon goes silent fails with the idle phase",
    run: () =>
      withServer(
        (socket) => void socket.write(CHUNKED_HEAD + chunk("a".repeat(1000))),
        async (host) => {
          const docker = new DockerClient({ host, apiVersion: "1.41", streamIdleTimeoutMs: BOUND_MS });
          const error = await rejection(docker.exportContainer({ id: "x" }).bytes(), "a silent export");
          check(isTimeout(error, "idle"), `idle timeout, got ${describe(error)}`);
          await docker.close();
        },
      ),
  },
  {
    name: "follow streams are not cut by the default bounds; a request's idleTimeoutMs cuts them",
    run: () =>
      withServer(
        async (socket, head) => {
          socket.write(CHUNKED_HEAD);
          await sleep(BOUND_MS * 3);
          if (head.includes("first")) socket.write(`${chunk('{"status":"start"}\n')}0\r\n\r\n`);
        },
        async (host) => {
          const docker = api(host, { streamIdleTimeoutMs: BOUND_MS, responseTimeoutMs: BOUND_MS });
          const events = await get(docker, "/v1.41/events?first=1");
          check((await events.text()).includes("start"), "the silent event stream was read to its end");
          const logs = await get(docker, "/v1.41/containers/x/logs?follow=1&stdout=1&first=1");
          check((await logs.text()).includes("start"), "the silent followed log was read to its end");
          const cut = await get(docker, "/v1.41/events?second=1", { idleTimeoutMs: BOUND_MS });
          const error = await rejection(cut.text(), "an event stream with idleTimeoutMs");
          check(isTimeout(error, "idle"), `idle timeout, got ${describe(error)}`);
          await docker.close();
        },
      ),
  },
  {
    name: "a body the reader does not ask for is paused, not idle",
    run: () =>
      withServer(
        (socket) => {
          socket.write(CHUNKED_HEAD);
          const piece = chunk("z".repeat(64 * 1024));
          for (let i = 0; i < 32; i++) socket.write(piece);
          socket.write("0\r\n\r\n");
        },
        async (host) => {
          const docker = api(host, { streamIdleTimeoutMs: BOUND_MS });
          const response = await get(docker, "/v1.41/containers/x/export");
          const body = response.body;
          check(body, "a body");
          const reader = body.getReader();
          const first = await reader.read();
          check(!first.done, "a first piece");
          await sleep(BOUND_MS * 3); // the socket is paused meanwhile (more than 256 KiB wait)
          let total = first.value.byteLength;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            total += value.byteLength;
          }
          check(total === 32 * 64 * 1024, `every byte after the pause, got ${total}`);
          await docker.close();
        },
      ),
  },
  {
    name: "silence before the head: the headers bound (phase headers)",
    run: () =>
      withServer(
        () => {},
        async (host) => {
          const docker = api(host, { headersTimeoutMs: BOUND_MS });
          const error = await rejection(get(docker, "/v1.41/containers/x/json"), "a silent daemon");
          check(isTimeout(error, "headers"), `headers timeout, got ${describe(error)}`);
          await docker.close();
        },
      ),
  },
  {
    name: "timeouts: Infinity, NaN, negative, fractional, 2^31 and non-numbers are InvalidOptionError at creation; 0 and 2^31-1 are taken",
    run: async () => {
      const options = ["connectTimeoutMs", "headersTimeoutMs", "responseTimeoutMs", "streamIdleTimeoutMs"] as const;
      const bad: unknown[] = [Infinity, -Infinity, NaN, -1, 1.5, 2 ** 31, 2 ** 53, "100", null, true, 10n];
      for (const option of options) {
        for (const value of bad) {
          let thrown: unknown;
          try {
            new DockerClient({ host: "unix:///nonexistent.sock", [option]: value } as ConnectionOptions);
          } catch (error) {
            thrown = error;
          }
          check(
            thrown instanceof InvalidOptionError && thrown.option === option,
            `${option}=${String(value)}: InvalidOptionError naming it, got ${describe(thrown)}`,
          );
        }
        for (const value of [0, 1, 2 ** 31 - 1]) new DockerClient({ host: "unix:///nonexistent.sock", [option]: value });
      }
    },
  },
  {
    name: "a request's timeouts are checked too: InvalidOptionError before anything is sent",
    run: async () => {
      let requests = 0;
      await withServer(
        (socket) => {
          requests++;
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        },
        async (host) => {
          const docker = api(host);
          for (const init of [{ idleTimeoutMs: Infinity }, { responseTimeoutMs: -5 }, { idleTimeoutMs: 2 ** 31 }]) {
            const error = await rejection(get(docker, "/_ping", init), `request with ${JSON.stringify(init)}`);
            check(error instanceof InvalidOptionError, `InvalidOptionError, got ${describe(error)}`);
          }
          check(requests === 0, "nothing was sent");
          check((await (await get(docker, "/_ping", { idleTimeoutMs: 2 ** 31 - 1 })).text()) === "ok", "a valid bound is taken");
          await docker.close();
        },
      );
    },
  },
  {
    name: "a wrong-typed signal is InvalidOptionError before anything is sent; the pool is not wedged",
    run: async () => {
      let requests = 0;
      await withServer(
        (socket) => {
          requests++;
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        },
        async (host) => {
          const docker = api(host, { maxSockets: 1 });
          const wrong: unknown[] = [new AbortController(), {}, "abort", 1, { aborted: false }];
          for (let round = 0; round < 3; round++) {
            for (const signal of wrong) {
              const error = await rejection(get(docker, "/_ping", { signal: signal as AbortSignal }), `signal ${String(signal)}`);
              check(error instanceof InvalidOptionError && error.option === "signal", `InvalidOptionError(signal), got ${describe(error)}`);
            }
          }
          check(requests === 0, "nothing was sent");
          const controller = new AbortController();
          check((await (await get(docker, "/_ping", { signal: controller.signal })).text()) === "ok", "a real signal works after them");
          const raw = await rejection(docker.transport.connect({ signal: new AbortController() as unknown as AbortSignal }), "connect");
          check(raw instanceof InvalidOptionError, `connect(): InvalidOptionError, got ${describe(raw)}`);
          await docker.close();
        },
      );
    },
  },
];
