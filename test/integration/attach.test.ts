/**
 * Attach end to end on the real daemon, at each API version the suites cover. Containers are
 * set up through a 1.41 client (create/start/wait are not what is under test) and attached
 * through a client pinned to the version under test.
 */
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachToContainer, resizeContainerTTY, type AttachSession } from "../../src/attach/index.js";
import { DockerAbortError, DockerApiError, NoSuchContainerError, createDockerApi, type DockerApi } from "../../src/index.js";
import { TEST_API_VERSIONS, onPodman, testDockerHost, testImage, uniqueName } from "../helpers/daemon.js";

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

/** Reads until the accumulated text matches `pattern`; returns it. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp): Promise<string> {
  let out = "";
  while (!pattern.test(out)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}: ${JSON.stringify(out)}`);
    out += text(value);
  }
  return out;
}

describe.each(TEST_API_VERSIONS)("attach at API %s", (apiVersion) => {
  let setup: DockerApi<any>;
  let docker: DockerApi<any>;
  const created: string[] = [];
  const sessions: AttachSession[] = [];

  beforeAll(() => {
    setup = createDockerApi<any>({ host: testDockerHost(), preferredVersion: "1.41", apiVersion: "1.41" });
    docker = createDockerApi<any>({ host: testDockerHost(), preferredVersion: "1.10", apiVersion });
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.close();
    for (const id of created.splice(0)) {
      await setup.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" }).catch(() => {});
    }
  });
  afterAll(async () => {
    await docker.close();
    await setup.close();
  });

  async function create(config: Record<string, unknown>): Promise<string> {
    const name = uniqueName("attach");
    const { data } = await setup.api.POST("/containers/create", {
      params: { query: { name } },
      body: { Image: testImage(), NetworkDisabled: true, HostConfig: { NetworkMode: "none" }, ...config },
    });
    created.push(data.Id);
    return data.Id as string;
  }
  const start = (id: string) => setup.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
  const wait = async (id: string) =>
    (await setup.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data.StatusCode as number;
  const track = (session: AttachSession) => (sessions.push(session), session);

  it("round-trips `echo hi | cat` through stdin with half-close, and the session ends", async () => {
    const id = await create({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    // No `tty`: below API 1.42 berth inspects the container to learn it is multiplexed.
    const session = track(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, stderr: true }));
    expect(session.kind).toBe("multiplexed");
    expect([101, 200]).toContain(session.status);
    expect(session.contentType).toBe("application/vnd.docker.raw-stream");
    await start(id);
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hi\n"));
    await writer.close();
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect(stdout).toBe("hi\n");
    expect(stderr).toBe("");
    await session.closed;
    expect(await wait(id)).toBe(0);
  });

  it("copies an inputStream into cat and writes the output into a Node sink", async () => {
    const id = await create({ Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true });
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const session = track(
      await attachToContainer(docker, {
        container: id,
        stream: true,
        stdin: true,
        stdout: true,
        tty: false,
        inputStream: "line 1\nline 2\n",
        outputStream: sink,
      }),
    );
    await start(id);
    await session.closed;
    expect(Buffer.concat(chunks).toString()).toBe("line 1\nline 2\n");
  });

  it("passes a TTY through raw and resizes it while attached (stty size)", async () => {
    const id = await create({
      Tty: true,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      Cmd: ["sh", "-c", "read a; stty size; read b; stty size"],
    });
    const session = track(await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, stderr: true }));
    expect(session.kind).toBe("raw");
    await start(id);
    await session.resize({ height: 24, width: 80 });
    const reader = session.stdout.getReader();
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("x\n"));
    expect(await readUntil(reader, /\d+ \d+\r\n/)).toMatch(/(^|\n)24 80\r\n/);
    await resizeContainerTTY(docker, id, { height: 40, width: 100 });
    await writer.write(new TextEncoder().encode("y\n"));
    expect(await readUntil(reader, /\d+ \d+\r\n/)).toMatch(/(^|\n)40 100\r\n/);
    await writer.close();
    while (!(await reader.read()).done) {
      // Drain the TTY echo until the container exits.
    }
    await session.closed;
  });

  it("keeps interleaved stdout and stderr in order and exact (non-TTY)", async () => {
    const id = await create({
      Cmd: ["sh", "-c", "for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done"],
      AttachStdout: true,
      AttachStderr: true,
    });
    const session = track(await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false }));
    await start(id);
    const seen: string[] = [];
    let current = "";
    for await (const piece of session.frames()) {
      current += text(piece.data);
      if (piece.frameEnd) {
        seen.push(`${piece.stream}:${current}`);
        current = "";
      }
    }
    expect(seen).toEqual(["stdout:out1\n", "stderr:err1\n", "stdout:out2\n", "stderr:err2\n", "stdout:out3\n", "stderr:err3\n"]);
    await session.closed;
  });

  it("replays past output with logs=1 after the container exited", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo out; echo err >&2; echo more"] });
    await start(id);
    expect(await wait(id)).toBe(0);
    const session = track(await attachToContainer(docker, { container: id, logs: true, stdout: true, stderr: true, tty: false }));
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect(stdout).toBe("out\nmore\n");
    expect(stderr).toBe("err\n");
    await session.closed;
  });

  it("issue 15: logs: true, stream: false on an exited container ends (podman took the missing stream as live), every byte there", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo out; echo err >&2; echo more"] });
    await start(id);
    expect(await wait(id)).toBe(0);
    const session = track(
      await attachToContainer(docker, { container: id, logs: true, stream: false, stdout: true, stderr: true, tty: false }),
    );
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    // podman 4.3 frames each line without its newline; the demultiplexer's repair gives it back
    expect(stdout).toBe("out\nmore\n");
    expect(stderr).toBe("err\n");
    await session.closed;
  });

  it("fails with NoSuchContainerError for a missing container", async () => {
    const missing = uniqueName("missing");
    const error = await attachToContainer(docker, { container: missing, stream: true, stdout: true, tty: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchContainerError);
    expect((error as NoSuchContainerError).id).toBe(missing);
    expect((error as NoSuchContainerError).status).toBe(404);
  });

  it("fails with a 409 DockerApiError for a paused container", async () => {
    const id = await create({ Cmd: ["sleep", "30"] });
    await start(id);
    await setup.api.POST("/containers/{id}/pause", { params: { path: { id } }, parseAs: "text" });
    const error = await attachToContainer(docker, { container: id, stream: true, stdout: true, tty: false }).catch((e: unknown) => e);
    await setup.api.POST("/containers/{id}/unpause", { params: { path: { id } }, parseAs: "text" });
    expect(error).toBeInstanceOf(DockerApiError);
    // dockerd: 409 Conflict; podman 4.3: 500 (docs/podman.md)
    expect((error as DockerApiError).status).toBe(onPodman() ? 500 : 409);
    expect((error as DockerApiError).daemonMessage).toMatch(/paused/);
  });

  it("ends the streams when the container exits while attached, stdin still open", async () => {
    const id = await create({
      Cmd: ["sh", "-c", "echo start; sleep 0.3; echo end"],
      OpenStdin: true,
      AttachStdin: true,
      AttachStdout: true,
    });
    const session = track(
      await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, stderr: true, tty: false }),
    );
    await start(id);
    const started = Date.now();
    expect(await readAll(session.stdout)).toBe("start\nend\n");
    await session.closed;
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("aborting closes the connection at once; no data after the abort", async () => {
    const id = await create({ Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.01; done"] });
    const controller = new AbortController();
    const session = track(
      await attachToContainer(docker, { container: id, stream: true, stdout: true, tty: false, signal: controller.signal }),
    );
    await start(id);
    const reader = session.stdout.getReader();
    expect(await readUntil(reader, /tick/)).toContain("tick");
    const started = Date.now();
    controller.abort();
    const closed = await session.closed.then(
      () => undefined,
      (e: unknown) => e,
    );
    // `closed` settles only after the RawConnection's own `closed` (within 100 ms on an idle
    // machine; the bound is generous for a loaded one)
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed).toBeInstanceOf(DockerAbortError);
    const after = await reader.read().then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(after).toBeInstanceOf(DockerAbortError);
  });

  it("streams a container that writes faster than it is read without losing bytes", async () => {
    const id = await create({ Cmd: ["sh", "-c", "head -c 4194304 /dev/zero; echo -n tail >&2"] });
    const session = track(await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false }));
    await start(id);
    await delay(200);
    let zeros = 0;
    const stdout = (async () => {
      const reader = session.stdout.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        zeros += value.length;
      }
    })();
    const [, stderr] = await Promise.all([stdout, readAll(session.stderr)]);
    expect(zeros).toBe(4194304);
    expect(stderr).toBe("tail");
    await session.closed;
  });
});
