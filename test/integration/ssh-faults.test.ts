/**
 * ssh:// faults against the tests' own sshd (scripts/sshd.sh): each ends in bounded time with a
 * `DockerSshError` whose `kind` and `stderr` carry ssh's reason, and leaves no ssh process.
 * Nothing here touches the sshd or the daemon: a fault is a wrong key, a known_hosts file, a
 * port nobody listens on, one of the sshd's odd remotes, or an ssh process of this test killed.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DockerAbortError, DockerClient, DockerSshError, isDockerError, type SshOptions } from "../../src/index.js";
import { liveSshProcessCount, liveSshProcessIds } from "../../src/transport/ssh-process.js";
import { testImage, uniqueName } from "../helpers/daemon.js";
import { testSshConfig, testSshDir, testSshHost, testSshNoDockerHost, testSshStdoutHost } from "../helpers/ssh.js";

const HOST = testSshHost();
const CONFIG = testSshConfig();
const DIR = testSshDir();
/** Every fault must end well inside this (ssh's ConnectTimeout is set lower where it matters). */
const BOUND_MS = 20_000;

const clients: DockerClient[] = [];
function client(host: string, ssh: SshOptions = {}, extra: Record<string, unknown> = {}): DockerClient {
  const docker = new DockerClient({ host, ssh: { configFile: CONFIG, ...ssh }, ...extra });
  clients.push(docker);
  return docker;
}

/** Runs `promise`, expects a DockerSshError of `kind` within BOUND_MS, and returns it. */
async function sshFailure(promise: Promise<unknown>, kind: DockerSshError["kind"]): Promise<DockerSshError> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  expect(error, "the call must fail").toBeInstanceOf(DockerSshError);
  const sshError = error as DockerSshError;
  expect({ kind: sshError.kind, message: sshError.message }).toMatchObject({ kind });
  expect(sshError.code).toBe("ERR_SSH");
  expect(elapsed).toBeLessThan(BOUND_MS);
  return sshError;
}

async function noSshProcessLeft(): Promise<void> {
  for (let i = 0; i < 200 && liveSshProcessCount() > 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(liveSshProcessCount()).toBe(0);
}

/** The ssh process that appeared since `before` (the one a stream just took). */
async function newSshPid(before: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const fresh = liveSshProcessIds().filter((pid) => !before.includes(pid));
    if (fresh.length > 0) return fresh[fresh.length - 1]!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("no new ssh process appeared");
}

/** Reads `reader` to its end; returns the error that ended it instead, if any. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<unknown> {
  try {
    for (;;) if ((await reader.read()).done) return undefined;
  } catch (error) {
    return error;
  }
}

let freePort: number;
let emptyKnownHosts: string;

beforeAll(async () => {
  // A port nothing listens on: bound, then closed again.
  freePort = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  emptyKnownHosts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "berth-ssh-faults-")), "known_hosts");
  fs.writeFileSync(emptyKnownHosts, "");
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await noSshProcessLeft();
});

afterAll(() => {
  fs.rmSync(path.dirname(emptyKnownHosts), { recursive: true, force: true });
});

describe("ssh:// faults", () => {
  it("a key the remote does not accept: kind auth, with ssh's Permission denied", async () => {
    // The shared config's IdentityFile would still offer the right key: a config of this test's own.
    const ownConfig = path.join(path.dirname(emptyKnownHosts), "config-wrong-key");
    fs.writeFileSync(
      ownConfig,
      `Host *\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile ${DIR}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n`,
    );
    const wrong = client(HOST, { configFile: ownConfig, identityFile: path.join(DIR, "wrong_id_ed25519") });
    const error = await sshFailure(wrong.ping(), "auth");
    expect(error.stderr).toMatch(/Permission denied/);
    expect(error.exitCode).toBe(255);
  });

  it("an unknown host key: kind host-key, never a prompt", async () => {
    const docker = client(HOST, { options: [`UserKnownHostsFile=${emptyKnownHosts}`] });
    const error = await sshFailure(docker.ping(), "host-key");
    expect(error.stderr).toMatch(/Host key verification failed|No \S+ host key is known/);
  });

  it("a changed host key: kind host-key, with ssh's warning", async () => {
    const docker = client(HOST, { options: [`UserKnownHostsFile=${DIR}/known_hosts_wrong`] });
    const error = await sshFailure(docker.ping(), "host-key");
    expect(error.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it("sshd not there (a port nobody listens on): kind unreachable", async () => {
    const docker = client(`ssh://${os.userInfo().username}@127.0.0.1:${freePort}`);
    const error = await sshFailure(docker.ping(), "unreachable");
    expect(error.stderr).toMatch(/Connection refused/);
  });

  it("a remote without the docker CLI: kind no-docker", async () => {
    const docker = client(testSshNoDockerHost());
    const error = await sshFailure(docker.ping(), "no-docker");
    expect(error.exitCode).toBe(127);
    expect(error.stderr).toMatch(/docker: not found/);
  });

  it("a remote that prints on stdout before HTTP: kind unexpected-output, quoting it", async () => {
    const docker = client(testSshStdoutHost());
    const error = await sshFailure(docker.ping(), "unexpected-output");
    expect(error.message).toContain("Welcome to the berth test host");
  });

  it("a missing ssh binary: kind no-ssh", async () => {
    const docker = client(HOST, { binary: "/nonexistent/berth-no-ssh" });
    await sshFailure(docker.ping(), "no-ssh");
  });

  it("the ssh process killed mid-stream (logs follow): the stream fails with kind exited", async () => {
    const docker = client(HOST);
    const { Id: id } = await docker.createContainer({
      name: uniqueName("ssh-kill-logs"),
      config: { Image: testImage(), Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.1; done"], NetworkDisabled: true, StopTimeout: 1 },
      hostConfig: { NetworkMode: "none" },
    });
    try {
      await docker.startContainer({ id });
      const before = liveSshProcessIds();
      const logs = await docker.containerLogs({ container: id, follow: true, stdout: true });
      const reader = logs.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("tick");
      process.kill(await newSshPid(before), "SIGKILL");
      const started = Date.now();
      const error = await readToEnd(reader);
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(error).toBeInstanceOf(DockerSshError);
      expect((error as DockerSshError).kind).toBe("exited");
      expect((error as DockerSshError).signal).toBe("SIGKILL");
      // The client goes on: the next request takes a fresh process.
      expect(await docker.ping()).toBe("OK");
    } finally {
      await docker.removeContainer({ id, force: true });
    }
  });

  it("the ssh process killed mid-attach: the session ends with a typed error", async () => {
    const docker = client(HOST);
    const { Id: id } = await docker.createContainer({
      name: uniqueName("ssh-kill-attach"),
      config: {
        Image: testImage(),
        Cmd: ["cat"],
        OpenStdin: true,
        AttachStdin: true,
        AttachStdout: true,
        NetworkDisabled: true,
        StopTimeout: 1,
      },
      hostConfig: { NetworkMode: "none" },
    });
    try {
      const before = liveSshProcessIds();
      const session = await docker.attachToContainer({ container: id, stream: true, stdin: true, stdout: true, stderr: true });
      await docker.startContainer({ id });
      const pid = await newSshPid(before);
      const writer = session.stdin.getWriter();
      await writer.write(new TextEncoder().encode("ping\n"));
      const reader = session.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("ping\n");
      process.kill(pid, "SIGKILL");
      const started = Date.now();
      const closed = await session.closed.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(isDockerError(closed)).toBe(true);
      expect(closed).toBeInstanceOf(DockerSshError);
      writer.releaseLock();
      reader.releaseLock();
    } finally {
      await docker.removeContainer({ id, force: true });
    }
  });

  it("the ssh process killed mid-export: the body fails with kind exited", async () => {
    const docker = client(HOST);
    const { Id: id } = await docker.createContainer({
      name: uniqueName("ssh-kill-export"),
      config: { Image: testImage(), Cmd: ["true"], NetworkDisabled: true },
      hostConfig: { NetworkMode: "none" },
    });
    try {
      const stream = await docker.exportContainer({ id });
      const reader = (stream as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      // The export took the process the create used (keep-alive): this client has only that one.
      expect(liveSshProcessIds()).toHaveLength(1);
      process.kill(liveSshProcessIds()[0]!, "SIGKILL");
      const error = await readToEnd(reader);
      // The daemon may have written the whole (2 MB) archive into the pipe before the kill; then
      // the body is complete. Otherwise it fails typed.
      if (error !== undefined) expect(error).toBeInstanceOf(DockerSshError);
    } finally {
      await docker.removeContainer({ id, force: true });
    }
  });

  it("aborting a followed stream ends its ssh process", async () => {
    const docker = client(HOST);
    const controller = new AbortController();
    // Negotiated first, so that the stream is the only thing on the one process.
    expect(await docker.ping()).toBe("OK");
    const before: number[] = [];
    const events = docker.events({ signal: controller.signal });
    const loop = (async () => {
      try {
        for await (const _ of events) {
          // no events expected
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    const pid = await newSshPid(before);
    await new Promise((r) => setTimeout(r, 1000));
    controller.abort();
    expect(await loop).toBeInstanceOf(DockerAbortError);
    for (let i = 0; i < 200 && liveSshProcessIds().includes(pid); i++) await new Promise((r) => setTimeout(r, 25));
    expect(liveSshProcessIds()).not.toContain(pid);
    expect(spawnSync("kill", ["-0", String(pid)]).status).not.toBe(0);
  });
});
