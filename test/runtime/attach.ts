/**
 * The attach scenarios of test/integration/attach.test.ts, run unchanged on Node (via tsx),
 * Bun and Deno against the real daemon, at API 1.12 and 1.41:
 *   npx tsx test/runtime/attach.ts | npx bun run test/runtime/attach.ts | npx deno run -A test/runtime/attach.ts
 */
import net from "node:net";
import { attachToContainer, type AttachSession } from "../../src/attach/index.js";
import { encodeFrame } from "../../src/codecs/demux.js";
import { DockerAbortError, DockerApiError, NoSuchContainerError, createDockerApi } from "../../src/index.js";
import { assert, assertEqual, env, rejects, run, test } from "./harness.js";

const host = env("BERTH_TEST_DOCKER_HOST");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run through `npm test`");
const setup = createDockerApi<any>({ host, preferredVersion: "1.41", apiVersion: "1.41" });

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const uniqueName = () => `berth-test-attach-rt-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out += decoder.decode(value);
  }
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp): Promise<string> {
  let out = "";
  while (!pattern.test(out)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}: ${JSON.stringify(out)}`);
    out += decoder.decode(value);
  }
  return out;
}

/** Creates a container, runs `fn` with its id, and always removes it (and closes the session). */
async function withContainer(
  config: Record<string, unknown>,
  fn: (id: string, keep: (s: AttachSession) => AttachSession) => Promise<void>,
) {
  const { data } = await setup.api.POST("/containers/create", {
    params: { query: { name: uniqueName() } },
    body: { Image: image, NetworkDisabled: true, HostConfig: { NetworkMode: "none" }, ...config },
  });
  const id = data.Id as string;
  const sessions: AttachSession[] = [];
  try {
    await fn(id, (s) => (sessions.push(s), s));
  } finally {
    for (const s of sessions) s.close();
    await setup.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
  }
}
const start = (id: string) => setup.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
const wait = async (id: string) => (await setup.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data.StatusCode as number;

for (const apiVersion of ["1.12", "1.41"]) {
  const docker = createDockerApi<any>({ host, preferredVersion: "1.10", apiVersion });

  test(`[${apiVersion}] echo hi | cat round-trips with stdin half-close`, () =>
    withContainer({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true }, async (id, keep) => {
      const session = keep(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, stderr: true }));
      assertEqual(session.kind, "multiplexed", "kind (from inspect)");
      await start(id);
      const writer = session.stdin.getWriter();
      await writer.write(encoder.encode("hi\n"));
      await writer.close();
      const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
      assertEqual(stdout, "hi\n", "stdout");
      assertEqual(stderr, "", "stderr");
      await session.closed;
      assertEqual(await wait(id), 0, "exit code");
    }));

  test(`[${apiVersion}] TTY is raw and resizes while attached`, () =>
    withContainer(
      {
        Tty: true,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        Cmd: ["sh", "-c", "read a; stty size; read b; stty size"],
      },
      async (id, keep) => {
        const session = keep(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true }));
        assertEqual(session.kind, "raw", "kind");
        await start(id);
        await session.resize({ height: 24, width: 80 });
        const reader = session.stdout.getReader();
        const writer = session.stdin.getWriter();
        await writer.write(encoder.encode("x\n"));
        assert(/(^|\n)24 80\r\n/.test(await readUntil(reader, /\d+ \d+\r\n/)), "stty size 24 80");
        await session.resize({ height: 40, width: 100 });
        await writer.write(encoder.encode("y\n"));
        assert(/(^|\n)40 100\r\n/.test(await readUntil(reader, /\d+ \d+\r\n/)), "stty size 40 100");
        await writer.close();
        while (!(await reader.read()).done) {
          // Drain until the container exits.
        }
        await session.closed;
      },
    ));

  test(`[${apiVersion}] interleaved stdout and stderr keep order and content`, () =>
    withContainer(
      { Cmd: ["sh", "-c", "for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done"] },
      async (id, keep) => {
        const session = keep(await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false }));
        await start(id);
        const seen: string[] = [];
        let current = "";
        for await (const piece of session.frames()) {
          current += decoder.decode(piece.data);
          if (piece.frameEnd) {
            seen.push(`${piece.stream}:${current}`);
            current = "";
          }
        }
        assertEqual(seen, ["stdout:out1\n", "stderr:err1\n", "stdout:out2\n", "stderr:err2\n", "stdout:out3\n", "stderr:err3\n"], "frames");
        await session.closed;
      },
    ));

  test(`[${apiVersion}] logs=1 after exit replays the output`, () =>
    withContainer({ Cmd: ["sh", "-c", "echo out; echo err >&2; echo more"] }, async (id, keep) => {
      await start(id);
      await wait(id);
      const session = keep(await attachToContainer(docker, { container: id, logs: true, stdout: true, stderr: true, tty: false }));
      const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
      assertEqual([stdout, stderr], ["out\nmore\n", "err\n"], "replayed output");
    }));

  test(`[${apiVersion}] a missing container is a NoSuchContainerError`, async () => {
    const error = await rejects(attachToContainer(docker, { container: uniqueName(), stream: true, stdout: true, tty: false }));
    assert(error instanceof NoSuchContainerError, `NoSuchContainerError, got ${String(error)}`);
    assertEqual((error as DockerApiError).status, 404, "status");
  });

  test(`[${apiVersion}] the container exiting ends the streams (stdin left open)`, () =>
    withContainer({ Cmd: ["sh", "-c", "echo start; sleep 0.3; echo end"], OpenStdin: true, AttachStdin: true }, async (id, keep) => {
      const session = keep(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, tty: false }));
      await start(id);
      assertEqual(await readAll(session.stdout), "start\nend\n", "stdout");
      await session.closed;
    }));

  test(`[${apiVersion}] aborting closes the connection within 100 ms`, () =>
    withContainer({ Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.01; done"] }, async (id, keep) => {
      const controller = new AbortController();
      const session = keep(
        await attachToContainer(docker, { container: id, stream: true, stdout: true, tty: false, signal: controller.signal }),
      );
      await start(id);
      const reader = session.stdout.getReader();
      await readUntil(reader, /tick/);
      const started = Date.now();
      controller.abort();
      const closed = await rejects(session.closed);
      const elapsed = Date.now() - started;
      assert(closed instanceof DockerAbortError, `closed rejects with DockerAbortError, got ${String(closed)}`);
      assert(elapsed < 100, `connection closed in ${elapsed} ms`);
      const after = await rejects(
        reader.read().then((r) => (r.done ? Promise.reject(new DockerAbortError()) : r)),
        "no data after abort",
      );
      assert(after instanceof DockerAbortError, `reads fail with DockerAbortError, got ${String(after)}`);
    }));

  test(`[${apiVersion}] Node stream views work (stdin end = half-close)`, () =>
    withContainer({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true }, async (id, keep) => {
      const session = keep(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, tty: false }));
      await start(id);
      const { stdout, stdin } = session.toNodeStreams();
      stdin.end("via node streams\n");
      let out = "";
      for await (const chunk of stdout) out += decoder.decode(chunk as Uint8Array);
      assertEqual(out, "via node streams\n", "stdout");
    }));
}

// TCP has its own connect path per runtime (Deno.connect on Deno); the real daemon here listens
// on a unix socket only, so TCP is checked against an in-process node:net server answering as
// Docker 20.10 does.
test("[tcp] upgrade, demultiplexed output and half-close against a raw TCP server", async () => {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let head = "";
    const onData = (chunk: Uint8Array) => {
      head += decoder.decode(chunk);
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.write(
        "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
      );
      let input = "";
      socket.on("data", (c: Uint8Array) => (input += decoder.decode(c)));
      socket.on("end", () => {
        socket.write(encodeFrame("stderr", "note\n"));
        socket.end(encodeFrame("stdout", input.toUpperCase()));
      });
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const tcp = createDockerApi<any>({ host: `tcp://127.0.0.1:${port}`, preferredVersion: "1.41", apiVersion: "1.41" });
  try {
    const session = await attachToContainer(tcp, {
      container: "c",
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
      inputStream: "over tcp",
    });
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    assertEqual([stdout, stderr], ["OVER TCP", "note\n"], "output after half-close");
    await session.closed;
  } finally {
    await tcp.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

await run("attach");
