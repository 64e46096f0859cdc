/**
 * scripts/check-leaks.ts - proves that berth gives back every file descriptor and socket.
 *
 *   npx tsx scripts/check-leaks.ts        (needs BERTH_TEST_DOCKER_HOST: `npm test` sets it)
 *
 * In one process, against the real daemon: 10 000 plain calls (pings, lists, inspects of a
 * missing container: the error path, and aborted calls), 200 attach sessions (closed, aborted,
 * or ended by the container), and 200 aborted streams (events, logs follow, export). Then the
 * client is closed, which releases its keep-alive pool, and the open file descriptors of this
 * process (/proc/self/fd) and among them the sockets (`socket:[inode]`, what `ss -p` would
 * count) must be back at the baseline taken before. Exits 1 on a leak, 2 on any other failure.
 */
import fs from "node:fs";
import { attachToContainer } from "../src/attach/index.js";
import { DockerAbortError, NoSuchContainerError, createDockerApi, isDockerError, type DockerApi } from "../src/index.js";

const CALLS = 10_000;
const ATTACH_SESSIONS = 200;
const ABORTED_STREAMS = 200;
const CONCURRENCY = 16;

const host = process.env["BERTH_TEST_DOCKER_HOST"];
const image = process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
if (!host) {
  console.error('[check-leaks] BERTH_TEST_DOCKER_HOST is not set: run through `npm test` or eval "$(bash scripts/daemon.sh env)"');
  process.exit(2);
}

/** Open descriptors of this process, and how many of them are sockets. */
function descriptors(): { fds: number; sockets: number } {
  let fds = 0;
  let sockets = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory's own descriptor, closed by now
    }
    fds++;
    if (target.startsWith("socket:")) sockets++;
  }
  return { fds, sockets };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in [0, count) with at most `limit` at a time. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Expects `promise` to fail with a DockerAbortError (or to have finished before the abort). */
async function abortedOrDone(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof DockerAbortError)) throw error;
  }
}

async function createRunning(docker: DockerApi<any>, cmd: string[]): Promise<string> {
  const { data } = await docker.api.POST("/containers/create", {
    body: { Image: image, Cmd: cmd, NetworkDisabled: true, HostConfig: { NetworkMode: "none" }, StopTimeout: 1 },
  });
  const id = data.Id as string;
  await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
  return id;
}

let peakSockets = 0;
const sample = () => (peakSockets = Math.max(peakSockets, descriptors().sockets));

async function workload(docker: DockerApi<any>, ticker: string): Promise<Record<string, number>> {
  const done = { calls: 0, attachSessions: 0, abortedStreams: 0 };

  // 1. Plain calls: mostly pings, some lists, inspects that fail (404), and calls aborted mid-way.
  await pool(CALLS, CONCURRENCY, async (i) => {
    if (i % 100 === 0) sample();
    if (i % 50 === 1) {
      const error = await docker.api
        .GET("/containers/{id}/json", { params: { path: { id: "berth-leak-check-missing" } } })
        .catch((e: unknown) => e);
      if (!(error instanceof NoSuchContainerError)) throw new Error(`expected NoSuchContainerError, got ${String(error)}`);
    } else if (i % 50 === 2) {
      // Aborted while in flight (a wait on a container that keeps running).
      const controller = new AbortController();
      const call = docker.api.POST("/containers/{id}/wait", { params: { path: { id: ticker } }, signal: controller.signal });
      setTimeout(() => controller.abort(), 1);
      await abortedOrDone(call);
    } else if (i % 50 === 3) {
      await docker.api.GET("/containers/json", { params: { query: { all: true } } });
    } else {
      const { data } = await docker.api.GET("/_ping", { parseAs: "text" });
      if (data !== "OK") throw new Error(`ping answered ${String(data)}`);
    }
    done.calls++;
  });

  // 2. Attach sessions: closed by the caller, aborted by a signal, or ended by the container.
  await pool(ATTACH_SESSIONS, 8, async (i) => {
    if (i % 10 === 0) sample();
    if (i % 20 === 19) {
      const { data } = await docker.api.POST("/containers/create", {
        body: { Image: image, Cmd: ["echo", "done"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } },
      });
      const id = data.Id as string;
      const session = await attachToContainer(docker, { container: id, stream: true, stdout: true, tty: false });
      await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
      const out = await new Response(session.stdout).text();
      if (out !== "done\n") throw new Error(`attach read ${JSON.stringify(out)}`);
      await session.closed;
      await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
    } else {
      const controller = new AbortController();
      const session = await attachToContainer(docker, {
        container: ticker,
        stream: true,
        stdout: true,
        tty: false,
        signal: controller.signal,
      });
      const reader = session.stdout.getReader();
      await reader.read();
      if (i % 2) session.close();
      else controller.abort();
      await session.closed.catch((error: unknown) => {
        if (!(error instanceof DockerAbortError)) throw error;
      });
    }
    done.attachSessions++;
  });

  // 3. Streams aborted while being read (or before their first byte).
  await pool(ABORTED_STREAMS, 8, async (i) => {
    if (i % 10 === 0) sample();
    const controller = new AbortController();
    const { signal } = controller;
    const kind = i % 3;
    const { data } =
      kind === 0
        ? await docker.api.GET("/events", { parseAs: "stream", signal })
        : kind === 1
          ? await docker.api.GET("/containers/{id}/logs", {
              params: { path: { id: ticker }, query: { follow: true, stdout: true } },
              parseAs: "stream",
              signal,
            })
          : await docker.api.GET("/containers/{id}/export", { params: { path: { id: ticker } }, parseAs: "stream", signal });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    if (kind !== 0) await reader.read();
    const reading = reader.read();
    controller.abort();
    await abortedOrDone(
      (async () => {
        await reading;
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    done.abortedStreams++;
  });
  return done;
}

async function main(): Promise<number> {
  const started = performance.now();
  // Warm-up: whatever the runtime opens once (its event loop's descriptors, lazily loaded
  // modules) is opened here, before the baseline.
  // Several clients, one after the other: Deno's node:net opens two sockets of its own (kept
  // for the process's life) at about the third connection, whoever makes it.
  for (let i = 0; i < 4; i++) {
    const warm = createDockerApi<any>({ host: host!, preferredVersion: "1.41", apiVersion: "1.41" });
    await warm.api.GET("/_ping", { parseAs: "text" });
    await warm.close();
    await delay(100);
  }
  const baseline = descriptors();

  const docker = createDockerApi<any>({ host: host!, preferredVersion: "1.41", apiVersion: "1.41" });
  const ticker = await createRunning(docker, ["sh", "-c", "while true; do echo tick; sleep 0.02; done"]);
  let done: Record<string, number>;
  try {
    done = await workload(docker, ticker);
  } finally {
    await docker.api
      .DELETE("/containers/{id}", { params: { path: { id: ticker }, query: { force: true } }, parseAs: "text" })
      .catch(() => {});
  }
  const beforeClose = descriptors();
  await docker.close();
  // Destroyed sockets are closed by the event loop on its next turns.
  let after = descriptors();
  for (let i = 0; i < 20 && (after.fds > baseline.fds || after.sockets > baseline.sockets); i++) {
    await delay(50);
    after = descriptors();
  }
  const seconds = (performance.now() - started) / 1000;

  const leaked = after.fds > baseline.fds || after.sockets > baseline.sockets;
  console.log(
    `[check-leaks] ${done.calls} calls, ${done.attachSessions} attach sessions, ${done.abortedStreams} aborted streams in ${seconds.toFixed(1)} s`,
  );
  console.log(`[check-leaks]                 fds  sockets`);
  console.log(`[check-leaks] baseline      ${String(baseline.fds).padStart(5)}  ${String(baseline.sockets).padStart(7)}`);
  console.log(`[check-leaks] peak          ${"".padStart(5)}  ${String(peakSockets).padStart(7)}`);
  console.log(
    `[check-leaks] before close  ${String(beforeClose.fds).padStart(5)}  ${String(beforeClose.sockets).padStart(7)}   (keep-alive pool)`,
  );
  console.log(`[check-leaks] after close   ${String(after.fds).padStart(5)}  ${String(after.sockets).padStart(7)}`);
  console.log(`[check-leaks] ${leaked ? "LEAK: descriptors are not back at the baseline" : "no leak"}`);
  return leaked ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `[check-leaks] failed: ${isDockerError(error) ? `${error.name}: ${error.message}` : error instanceof Error ? error.stack : String(error)}`,
    );
    process.exit(2);
  },
);
