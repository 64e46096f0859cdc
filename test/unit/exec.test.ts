/**
 * Exec against a fake daemon: a `node:http` server on a unix socket answering the plain exec
 * requests, and taking over the connection on `POST /exec/{id}/start` the way Docker 20.10
 * does (`101 UPGRADED`, `Content-Type: application/vnd.docker.raw-stream`; API 1.42+ daemons
 * name the framing in the content type). The session machinery itself is attach's and tested
 * there; these tests pin what exec adds: request shapes, the framing decision, exit codes,
 * errors.
 */
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import type { DockerApi } from "../../src/api.js";
import { encodeFrame } from "../../src/codecs/demux.js";
import {
  DockerAbortError,
  DockerApiError,
  InvalidOptionError,
  NoSuchContainerError,
  createDockerApi,
  isDockerError,
} from "../../src/index.js";
import {
  NoSuchExecError,
  createExec,
  inspectExec,
  isNoSuchExecError,
  resizeExec,
  runExec,
  startExec,
  startExecDetached,
  waitForExecExit,
  type ExecConfig,
  type ExecInspect,
} from "../../src/exec/index.js";
import { createDockerApiV141, type ExecCreateRequest, type ExecInspectResponse } from "../../src/versions/v1.41.js";
import type { paths as V110Paths } from "../../generated/v1.10/index.js";
import type { paths as V141Paths } from "../../generated/v1.41/index.js";

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface ExecState {
  tty: boolean;
  running: boolean;
  exitCode: number | null;
  /** Inspections left that still report `Running: true`. */
  runningInspections?: number;
}

interface FakeOptions {
  /** Content type of the 101 answer (Docker 20.10: raw-stream for both framings). */
  startContentType?: (tty: boolean) => string;
  /** What the fake "process" does with its connection after the 101. */
  onStart?: (socket: net.Socket, tty: boolean, input: () => Promise<Buffer>) => void;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeDaemon(options: FakeOptions = {}) {
  const requests: Recorded[] = [];
  const execs = new Map<string, ExecState>();
  let nextId = 1;
  const json = (res: http.ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(value));
  };
  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    });

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, "http://docker");
    let match: RegExpExecArray | null;
    if (req.method === "POST" && (match = /^\/v[\d.]+\/containers\/([^/]+)\/exec$/.exec(url.pathname))) {
      if (match[1] === "gone") return json(res, 404, { message: "No such container: gone" });
      if (match[1] === "stopped") return json(res, 409, { message: "Container stopped is not running" });
      const id = `exec${nextId++}`;
      const config = JSON.parse(body) as { Tty?: boolean };
      execs.set(id, { tty: config.Tty ?? false, running: false, exitCode: null });
      return json(res, 201, { Id: id });
    }
    if (req.method === "GET" && (match = /^\/v[\d.]+\/exec\/([^/]+)\/json$/.exec(url.pathname))) {
      const exec = execs.get(match[1]!);
      if (!exec) return json(res, 404, { message: `No such exec instance: ${match[1]}` });
      let running = exec.running;
      if (exec.runningInspections !== undefined && exec.runningInspections > 0) {
        exec.runningInspections--;
        running = true;
      }
      return json(res, 200, { ID: match[1], Running: running, ExitCode: running ? null : exec.exitCode, ProcessConfig: { tty: exec.tty } });
    }
    if (req.method === "POST" && (match = /^\/v[\d.]+\/exec\/([^/]+)\/resize$/.exec(url.pathname))) {
      if (!execs.has(match[1]!)) return json(res, 404, { message: `No such exec instance: ${match[1]}` });
      return res.writeHead(201).end();
    }
    if (req.method === "POST" && (match = /^\/v[\d.]+\/exec\/([^/]+)\/start$/.exec(url.pathname))) {
      // Detached start (a plain request: berth sends no upgrade headers for it).
      const exec = execs.get(match[1]!);
      if (!exec) return json(res, 404, { message: `No such exec instance: ${match[1]}` });
      exec.running = true;
      return res.writeHead(200).end();
    }
    json(res, 404, { message: `page not found: ${req.method} ${url.pathname}` });
  });

  // The hijacked start: Node hands upgrade requests over with the bytes after the head.
  const upgraded = new Set<net.Socket>();
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    socket.on("error", () => {});
    const length = Number(req.headers["content-length"] ?? 0);
    let buffered = head;
    const chunks: Buffer[] = [];
    let bodyDone: () => void;
    const bodyRead = new Promise<void>((resolve) => (bodyDone = resolve));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= length) {
        socket.off("data", onData);
        bodyDone();
      }
    };
    if (buffered.length >= length) bodyDone!();
    else socket.on("data", onData);
    void bodyRead.then(() => {
      const body = buffered.subarray(0, length).toString();
      const rest = buffered.subarray(length);
      if (rest.length > 0) chunks.push(rest);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const id = /\/exec\/([^/]+)\/start/.exec(req.url!)![1]!;
      const exec = execs.get(id);
      if (!exec) {
        socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"message":"No such exec instance: ${id}"}\n`);
        return;
      }
      const tty = (JSON.parse(body) as { Tty?: boolean }).Tty ?? false;
      const contentType = options.startContentType?.(tty) ?? "application/vnd.docker.raw-stream";
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      exec.running = true;
      let input: Promise<Buffer> | undefined;
      const readInput = () =>
        (input ??= new Promise<Buffer>((resolve) => {
          socket.on("data", (c: Buffer) => chunks.push(c));
          socket.once("end", () => resolve(Buffer.concat(chunks)));
        }));
      const finish = (code: number) => {
        exec.running = false;
        exec.exitCode = code;
      };
      if (options.onStart) {
        options.onStart(socket, tty, readInput);
        socket.once("close", () => finish(0));
      } else {
        // Default process: `sh -c "echo out; echo err >&2; exit 3"`.
        socket.write(tty ? "out\r\nerr\r\n" : Buffer.concat([encodeFrame("stdout", "out\n"), encodeFrame("stderr", "err\n")]));
        finish(3);
        socket.end();
      }
    });
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-exec-"));
  const socketPath = path.join(dir, "docker.sock");
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const docker = createDockerApiV141({ host: `unix://${socketPath}`, apiVersion: "1.41" });
  cleanups.push(async () => {
    await docker.close();
    server.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { docker, requests, execs, host: `unix://${socketPath}` };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += text(chunk);
  return out;
}

describe("createExec / inspectExec / resizeExec", () => {
  it("posts the exec config as JSON and returns the id", async () => {
    const { docker, requests } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["ls", "/"], AttachStdout: true, Env: ["A=1"] });
    expect(id).toBe("exec1");
    expect(requests[0]).toMatchObject({ method: "POST", url: "/v1.41/containers/box/exec" });
    expect(JSON.parse(requests[0]!.body)).toEqual({ Cmd: ["ls", "/"], AttachStdout: true, Env: ["A=1"] });
  });

  it("maps a 404 on the container to NoSuchContainerError and a 409 to DockerApiError", async () => {
    const { docker } = await fakeDaemon();
    await expect(createExec(docker, "gone", { Cmd: ["true"] })).rejects.toBeInstanceOf(NoSuchContainerError);
    const error = await createExec(docker, "stopped", { Cmd: ["true"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect(error).toMatchObject({ status: 409, daemonMessage: "Container stopped is not running" });
  });

  it("maps a 404 on an exec id to NoSuchExecError (inspect, resize, start, detached start)", async () => {
    const { docker } = await fakeDaemon();
    for (const call of [
      () => inspectExec(docker, "nope"),
      () => resizeExec(docker, "nope", { height: 1, width: 1 }),
      () => startExec(docker, "nope", { tty: false }),
      () => startExecDetached(docker, "nope"),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchExecError);
      expect(error).toMatchObject({ id: "nope", status: 404, code: "ERR_NO_SUCH_EXEC", daemonMessage: "No such exec instance: nope" });
      expect(isNoSuchExecError(error) && isDockerError(error)).toBe(true);
    }
  });

  it("resizes with h and w in the query, and refuses sizes outside uint16 before sending", async () => {
    const { docker, requests } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sh"], Tty: true });
    await resizeExec(docker, id, { height: 40, width: 100 });
    expect(requests.at(-1)).toMatchObject({ method: "POST", url: `/v1.41/exec/${id}/resize?h=40&w=100` });
    const count = requests.length;
    await expect(resizeExec(docker, id, { height: -1, width: 100 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(resizeExec(docker, id, { height: 10, width: 70000 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(resizeExec(docker, id, { height: 1.5, width: 10 })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(requests.length).toBe(count);
  });

  it("waitForExecExit polls until the process is no longer running", async () => {
    const { docker, execs } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sleep", "1"] });
    Object.assign(execs.get(id)!, { exitCode: 7, runningInspections: 3 });
    const started = Date.now();
    expect(await waitForExecExit(docker, id)).toBe(7);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("waitForExecExit stops at the signal with DockerAbortError", async () => {
    const { docker, execs } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sleep", "1"] });
    execs.get(id)!.runningInspections = Number.POSITIVE_INFINITY;
    await expect(waitForExecExit(docker, id, { signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(DockerAbortError);
  });
});

describe("startExec", () => {
  it("hijacks POST /exec/{id}/start with {Detach: false, Tty} and demultiplexes the output", async () => {
    const { docker, requests } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sh"], AttachStdout: true, AttachStderr: true });
    const session = await startExec(docker, id, { tty: false });
    const start = requests.find((r) => r.url.endsWith("/start"))!;
    expect(start).toMatchObject({ method: "POST", url: `/v1.41/exec/${id}/start` });
    expect(start.headers).toMatchObject({ connection: "Upgrade", upgrade: "tcp", "content-type": "application/json" });
    expect(JSON.parse(start.body)).toEqual({ Detach: false, Tty: false });
    expect(session).toMatchObject({ execId: id, kind: "multiplexed", status: 101, contentType: "application/vnd.docker.raw-stream" });
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    expect({ stdout, stderr }).toEqual({ stdout: "out\n", stderr: "err\n" });
    expect(await session.exitCode()).toBe(3);
  });

  it("inspects the exec to learn its TTY when `tty` is not given, and then reads raw bytes", async () => {
    const { docker, requests } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sh"], Tty: true });
    const session = await startExec(docker, id);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1.41/containers/box/exec",
      `GET /v1.41/exec/${id}/json`,
      `POST /v1.41/exec/${id}/start`,
    ]);
    expect(JSON.parse(requests[2]!.body)).toEqual({ Detach: false, Tty: true });
    expect(session.kind).toBe("raw");
    const frames = [];
    for await (const piece of session.frames()) frames.push({ stream: piece.stream, data: text(piece.data) });
    expect(frames).toEqual([{ stream: "stdout", data: "out\r\nerr\r\n" }]);
  });

  it("trusts the API 1.42+ content type over the tty guess, and sends ConsoleSize", async () => {
    const { host, requests } = await fakeDaemon({
      startContentType: () => "application/vnd.docker.multiplexed-stream",
    });
    const docker = createDockerApi<any>({ host, preferredVersion: "1.44", apiVersion: "1.44" });
    cleanups.push(() => docker.close());
    const id = await createExec(docker, "box", { Cmd: ["sh"] });
    const session = await startExec(docker, id, { tty: true, consoleSize: { height: 24, width: 80 } });
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ Detach: false, Tty: true, ConsoleSize: [24, 80] });
    expect(session.kind).toBe("multiplexed");
    session.close();
  });

  it("reads raw-stream as raw from API 1.42 on", async () => {
    const { host } = await fakeDaemon({ startContentType: () => "application/vnd.docker.raw-stream" });
    const docker = createDockerApi<any>({ host, preferredVersion: "1.44", apiVersion: "1.44" });
    cleanups.push(() => docker.close());
    const id = await createExec(docker, "box", { Cmd: ["sh"] });
    const session = await startExec(docker, id, { tty: false });
    expect(session.kind).toBe("raw");
    session.close();
  });

  it("sends stdin and half-closes; output keeps flowing after the EOF", async () => {
    const { docker } = await fakeDaemon({
      onStart: (socket, _tty, input) => {
        // `cat`: echo all input back as one stdout frame after EOF, then exit.
        void input().then((bytes) => socket.end(encodeFrame("stdout", bytes)));
      },
    });
    const id = await createExec(docker, "box", { Cmd: ["cat"], AttachStdin: true, AttachStdout: true });
    const session = await startExec(docker, id, { tty: false });
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello "));
    await writer.write(new TextEncoder().encode("world\n"));
    await writer.close();
    expect(await readAll(session.stdout)).toBe("hello world\n");
    await session.closed;
  });

  it("resize on the session goes to the exec, not the container", async () => {
    const { docker, requests } = await fakeDaemon({ onStart: () => {} });
    const id = await createExec(docker, "box", { Cmd: ["sh"], Tty: true });
    const session = await startExec(docker, id, { tty: true });
    await session.resize({ height: 10, width: 20 });
    expect(requests.at(-1)!.url).toBe(`/v1.41/exec/${id}/resize?h=10&w=20`);
    session.close();
    await session.closed;
  });

  it("aborting ends the session with DockerAbortError", async () => {
    const { docker } = await fakeDaemon({ onStart: () => {} });
    const id = await createExec(docker, "box", { Cmd: ["sleep", "100"] });
    const controller = new AbortController();
    const session = await startExec(docker, id, { tty: false, signal: controller.signal });
    const reading = readAll(session.stdout);
    controller.abort(new Error("user gave up"));
    await expect(reading).rejects.toBeInstanceOf(DockerAbortError);
    await expect(session.closed).rejects.toBeInstanceOf(DockerAbortError);
  });

  it("startExecDetached posts {Detach: true} as a plain request", async () => {
    const { docker, requests, execs } = await fakeDaemon();
    const id = await createExec(docker, "box", { Cmd: ["sleep", "1"] });
    await startExecDetached(docker, id);
    expect(requests.at(-1)).toMatchObject({ method: "POST", url: `/v1.41/exec/${id}/start` });
    expect(requests.at(-1)!.headers.upgrade).toBeUndefined();
    expect(JSON.parse(requests.at(-1)!.body)).toEqual({ Detach: true, Tty: false });
    expect(execs.get(id)!.running).toBe(true);
  });
});

describe("runExec", () => {
  it("creates, starts, collects and returns the exit code", async () => {
    const { docker, requests } = await fakeDaemon();
    const result = await runExec(docker, "box", ["sh", "-c", "echo out; echo err >&2; exit 3"], {
      env: ["X=1"],
      user: "nobody",
      workingDir: "/tmp",
    });
    expect(result).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
    expect(JSON.parse(requests[0]!.body)).toEqual({
      Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Env: ["X=1"],
      User: "nobody",
      WorkingDir: "/tmp",
    });
  });

  it("attaches stdin only when input is given, and decodes UTF-8 split across frames", async () => {
    const { docker, requests } = await fakeDaemon({
      onStart: (socket, _tty, input) => {
        void input().then((bytes) => {
          const euro = new TextEncoder().encode("€");
          socket.end(
            Buffer.concat([
              encodeFrame("stdout", bytes),
              encodeFrame("stdout", euro.subarray(0, 1)),
              encodeFrame("stdout", euro.subarray(1)),
            ]),
          );
        });
      },
    });
    const result = await runExec(docker, "box", ["cat"], { stdin: "héllo " });
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ AttachStdin: true });
    expect(result).toEqual({ exitCode: 0, stdout: "héllo €", stderr: "" });
  });
});

describe("exec types", () => {
  it("follow the client's API version", () => {
    const v141 = null as unknown as DockerApi<V141Paths>;
    expectTypeOf<ExecConfig<V141Paths>>().toEqualTypeOf<ExecCreateRequest>();
    expectTypeOf<ExecInspect>().toEqualTypeOf<ExecInspectResponse>();
    // A DockerApi<any> gets the v1.41 types rather than `any`.
    expectTypeOf<ExecConfig<any>>().toEqualTypeOf<ExecCreateRequest>();
    expectTypeOf<ReturnType<typeof inspectExec<V141Paths>>>().resolves.toEqualTypeOf<ExecInspectResponse>();
    expectTypeOf(createExec<any>)
      .parameter(2)
      .toEqualTypeOf<ExecCreateRequest>();
    // berth's v1.10 types have no exec endpoints: a v1.10 client does not compile.
    const v110 = null as unknown as DockerApi<V110Paths>;
    // @ts-expect-error -- no /containers/{id}/exec in API 1.10
    void (() => createExec(v110, "box", { Cmd: ["true"] }));
    // @ts-expect-error -- `Command` is not an exec config field
    void (() => createExec(v141, "box", { Command: ["true"] }));
  });
});
