/**
 * The API 1.41 client end to end on the real daemon (Docker 20.10): typed container calls,
 * exec with hijacked stdin/stdout/stderr and exit codes, exec with a TTY and resize, and
 * logs followed until the container exits. Everything goes through `createDockerApiV141`,
 * the same machinery (transport, version prefix, typed errors, hijack, demultiplexer) as the
 * v1.10 client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachToContainer } from "../../src/attach/index.js";
import { events, type DockerEvent } from "../../src/events/index.js";
import { DockerApiError, NoSuchContainerError } from "../../src/index.js";
import { NoSuchExecError, createExec, inspectExec, runExec, startExec } from "../../src/exec/index.js";
import { containerLogs, readContainerLogs } from "../../src/logs/index.js";
import { encodeFilters, strictApi } from "../../src/versions/index.js";
import { createDockerApiV141, type ContainerCreateRequest, type DockerApiV141 } from "../../src/versions/v1.41.js";
import { onPodman, testDockerHost, testImage, uniqueName } from "../helpers/daemon.js";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += text(chunk);
  return out;
}

let docker: DockerApiV141;
const created: string[] = [];

beforeAll(() => {
  docker = createDockerApiV141({ host: testDockerHost() });
});
afterEach(async () => {
  for (const id of created.splice(0)) {
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" }).catch(() => {});
  }
});
afterAll(async () => {
  await docker.close();
});

/** Creates a container on the test image without a network; removed after each test. */
async function create(config: Omit<ContainerCreateRequest, "Image"> = {}, name = uniqueName("v141")): Promise<string> {
  const { data } = await docker.api.POST("/containers/create", {
    params: { query: { name } },
    body: { Image: testImage(), StopTimeout: 1, ...config, HostConfig: { NetworkMode: "none", ...config.HostConfig } },
  });
  created.push(data!.Id);
  return data!.Id;
}
const start = (id: string) => docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
/** A running container that only waits, for exec. */
async function runningContainer(): Promise<string> {
  const id = await create({ Cmd: ["sleep", "60"] });
  await start(id);
  return id;
}

describe("containers through the 1.41 types", () => {
  it("negotiates 1.41 with the daemon", async () => {
    expect(await docker.apiVersion()).toBe("1.41");
  });

  it("create (HostConfig in the body), start, inspect, list by name and label filters, remove", async () => {
    const name = uniqueName("v141-life");
    const label = `berth.test=${name}`;
    const id = await create(
      { Cmd: ["sleep", "60"], Labels: { "berth.test": name }, HostConfig: { NetworkMode: "none", Memory: 64 * 1024 * 1024 } },
      name,
    );
    await start(id);

    const { data: inspected } = await docker.api.GET("/containers/{id}/json", { params: { path: { id } } });
    expect(inspected?.State?.Running).toBe(true);
    expect(inspected?.HostConfig?.NetworkMode).toBe("none");
    expect(inspected?.HostConfig?.Memory).toBe(64 * 1024 * 1024);
    expect(inspected?.Config?.Labels).toEqual({ "berth.test": name });
    expect(inspected?.Name).toBe(`/${name}`);

    const byName = await docker.api.GET("/containers/json", { params: { query: { filters: encodeFilters({ name: [name] }) } } });
    expect(byName.data?.map((c) => c.Id)).toEqual([id]);
    const byLabel = await strictApi(docker).GET("/containers/json", {
      params: { query: { all: true, filters: encodeFilters({ label: [label] }) } },
    });
    expect(byLabel.data?.map((c) => c.Names)).toEqual([[`/${name}`]]);
    const none = await docker.api.GET("/containers/json", {
      params: { query: { all: true, filters: encodeFilters({ label: [`${label}-other`] }) } },
    });
    expect(none.data).toEqual([]);

    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
    await expect(docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).rejects.toBeInstanceOf(NoSuchContainerError);
  });

  it("attach works on the 1.41 client too", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo attached; echo problem >&2"], AttachStdout: true, AttachStderr: true });
    const session = await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true });
    await start(id);
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect({ stdout, stderr }).toEqual({ stdout: "attached\n", stderr: "problem\n" });
  });
});

describe("exec", () => {
  it("round-trips stdin through `cat` with half-close, then reports exit code 0", async () => {
    const id = await runningContainer();
    const execId = await createExec(docker, id, { Cmd: ["cat"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const session = await startExec(docker, execId, { tty: false });
    expect(session.kind).toBe("multiplexed");
    expect([101, 200]).toContain(session.status);
    const stdout = readAll(session.stdout);
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello from stdin\n"));
    await writer.write(new TextEncoder().encode("second line\n"));
    await writer.close(); // half-close: cat reads EOF and exits, its output still arrives
    expect(await stdout).toBe("hello from stdin\nsecond line\n");
    expect(await session.exitCode()).toBe(0);
    const inspected = await inspectExec(docker, execId);
    expect(inspected).toMatchObject({ Running: false, ExitCode: 0, ContainerID: id });
  });

  it("runExec returns the exit code and separated output", async () => {
    const id = await runningContainer();
    expect(await runExec(docker, id, ["sh", "-c", "exit 3"])).toEqual({ exitCode: 3, stdout: "", stderr: "" });
    expect(await runExec(docker, id, ["sh", "-c", 'echo "$GREETING"; echo oops >&2; exit 5'], { env: ["GREETING=hi there"] })).toEqual({
      exitCode: 5,
      stdout: "hi there\n",
      stderr: "oops\n",
    });
    expect(await runExec(docker, id, ["cat"], { stdin: "piped input" })).toEqual({ exitCode: 0, stdout: "piped input", stderr: "" });
    expect(await runExec(docker, id, ["pwd"], { workingDir: "/tmp", user: "nobody" })).toMatchObject({ exitCode: 0, stdout: "/tmp\n" });
  });

  it("a command that cannot start gets the daemon's exit code 126/127", async () => {
    const id = await runningContainer();
    const result = await runExec(docker, id, ["/no/such/binary"]);
    expect([126, 127]).toContain(result.exitCode);
    expect(result.stdout + result.stderr).toMatch(/no such file|not found/i);
  });

  it("with a TTY: raw output (CRLF, echo) and resize reaches the process", async () => {
    const id = await runningContainer();
    const execId = await createExec(docker, id, {
      Cmd: ["sh", "-c", "read line; stty size; echo got:$line"],
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    // No `tty` option: berth inspects the exec to learn it has one.
    const session = await startExec(docker, execId);
    expect(session.kind).toBe("raw");
    await session.resize({ height: 40, width: 100 });
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("ping\r"));
    let output = "";
    for await (const piece of session.frames()) {
      expect(piece.stream).toBe("stdout");
      output += text(piece.data);
    }
    // The TTY echoes the input and turns \n into \r\n: the bytes were passed through raw.
    expect(output).toBe("ping\r\n40 100\r\ngot:ping\r\n");
    expect(await session.exitCode()).toBe(0);
  });

  it("the events of an exec arrive through the 1.41 client's event stream", async () => {
    const id = await runningContainer();
    const since = new Date(Date.now() - 1000);
    await runExec(docker, id, ["true"]);
    const actions: string[] = [];
    const signal = AbortSignal.timeout(20_000);
    for await (const item of events(docker, { since, signal, filters: { type: "container", id } })) {
      if (item.kind !== "event") continue;
      actions.push((item as DockerEvent).action.split(":")[0]!);
      if (actions.includes(onPodman() ? "exec_died" : "exec_die")) break;
    }
    // podman 4.3 sends "exec" and "exec_died" only
    expect(actions).toEqual(expect.arrayContaining(onPodman() ? ["exec", "exec_died"] : ["exec_create", "exec_start", "exec_die"]));
  });

  it("an unknown exec id is NoSuchExecError; exec in a stopped container is a 409", async () => {
    await expect(inspectExec(docker, "0123456789abcdef")).rejects.toBeInstanceOf(NoSuchExecError);
    await expect(startExec(docker, "0123456789abcdef", { tty: false })).rejects.toBeInstanceOf(NoSuchExecError);
    const stopped = await create({ Cmd: ["true"] });
    const error = await createExec(docker, stopped, { Cmd: ["true"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as DockerApiError).status).toBe(onPodman() ? 500 : 409);
  });
});

describe("logs", () => {
  it("follows a container's output until it exits, stdout and stderr apart", async () => {
    const id = await create({ Cmd: ["sh", "-c", "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; sleep 0.2; done"] });
    await start(id);
    const started = Date.now();
    const logs = await containerLogs(docker, { container: id, follow: true });
    expect(logs.kind).toBe("multiplexed"); // learned from inspect: 1.41 sends no Content-Type
    const [stdout, stderr] = await Promise.all([readAll(logs.stdout), readAll(logs.stderr)]);
    await logs.closed;
    // It followed live output: the container was still printing when the logs were opened.
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(stdout).toBe("out1\nout2\nout3\nout4\nout5\n");
    expect(stderr).toBe("err1\nerr2\nerr3\nerr4\nerr5\n");
    const { data } = await docker.api.GET("/containers/{id}/json", { params: { path: { id } } });
    expect(data?.State).toMatchObject({ Running: false, ExitCode: 0 });
  });

  it("tail, timestamps and a stream selection", async () => {
    // The pause orders the two streams in the log; `tail` counts lines of both before the selection.
    const id = await create({
      Cmd: ["sh", "-c", "for i in 1 2 3 4; do echo line$i; done; sleep 0.1; for i in 1 2 3 4; do echo err$i >&2; done"],
    });
    await start(id);
    await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } });
    expect(await readContainerLogs(docker, { container: id, stdout: true, tail: 6 })).toEqual({ stdout: "line3\nline4\n", stderr: "" });
    expect(await readContainerLogs(docker, { container: id, tail: 1 })).toEqual({ stdout: "", stderr: "err4\n" });
    const stamped = await readContainerLogs(docker, { container: id, stderr: true, timestamps: true });
    expect(stamped.stdout).toBe("");
    expect(stamped.stderr).toMatch(/^(\d{4}-\d\d-\d\dT\S+Z err\d\n){4}$/);
    expect(await readContainerLogs(docker, { container: id, since: new Date(Date.now() + 60_000) })).toEqual({ stdout: "", stderr: "" });
  });

  it("reads a TTY container's logs raw", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo one; echo two >&2"], Tty: true });
    await start(id);
    await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } });
    const logs = await containerLogs(docker, { container: id });
    expect(logs.kind).toBe("raw");
    const frames = [];
    for await (const piece of logs) frames.push(piece.stream);
    expect(new Set(frames)).toEqual(new Set(["stdout"]));
    expect(await readContainerLogs(docker, { container: id, tty: true })).toEqual({ stdout: "one\r\ntwo\r\n", stderr: "" });
  });

  it("a missing container is NoSuchContainerError", async () => {
    await expect(containerLogs(docker, { container: uniqueName("missing") })).rejects.toBeInstanceOf(NoSuchContainerError);
  });
});
