/**
 * The ssh transport's limits and cleanup against the tests' own sshd: the process cap under
 * load (never above it, never tripping sshd's MaxStartups: every request succeeds), a slot kept
 * for requests while hijacked connections wait, the idle timeout, 1 000 requests + 50 attaches
 * + 50 aborted streams leaving no ssh process and no descriptor behind, and the exit hook.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerAbortError, DockerClient, type AttachSession, type SshOptions } from "../../src/index.js";
import { liveSshProcessCount } from "../../src/transport/ssh-process.js";
import { testImage, uniqueName } from "../helpers/daemon.js";
import { testSshConfig, testSshHost } from "../helpers/ssh.js";

const HOST = testSshHost();
const CONFIG = testSshConfig();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const newClient = (ssh: SshOptions = {}) => new DockerClient({ host: HOST, apiVersion: "1.41", ssh: { configFile: CONFIG, ...ssh } });

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** ssh processes whose parent is this process, from /proc (what `liveSshProcessCount` could miss). */
function sshChildren(): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid), "-x", "ssh"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const openDescriptors = () => fs.readdirSync("/proc/self/fd").length;

/** Samples the live process count while `work` runs; returns the highest seen. */
async function peakDuring(work: Promise<unknown>): Promise<number> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, liveSshProcessCount());
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  try {
    await work;
  } finally {
    running = false;
    await sampler;
  }
  return peak;
}

let setup: DockerClient;
let cat: string;

beforeAll(async () => {
  setup = newClient();
  const { Id } = await setup.createContainer({
    name: uniqueName("ssh-limits"),
    config: { Image: testImage(), Cmd: ["cat"], OpenStdin: true, NetworkDisabled: true, StopTimeout: 1 },
    hostConfig: { NetworkMode: "none" },
  });
  cat = Id;
  await setup.startContainer({ id: cat });
});

afterAll(async () => {
  await setup.removeContainer({ id: cat, force: true });
  await setup.close();
});

describe("ssh:// limits", () => {
  it("50 concurrent requests: all answered, never more than 8 processes", async () => {
    const docker = newClient();
    try {
      const base = liveSshProcessCount();
      const results: string[] = [];
      const peak = await peakDuring(Promise.all(Array.from({ length: 50 }, async () => results.push(await docker.ping()))));
      expect(results).toHaveLength(50);
      expect(results.every((r) => r === "OK")).toBe(true);
      expect(peak - base).toBeLessThanOrEqual(8);
      expect(peak - base).toBeGreaterThan(1);
    } finally {
      await docker.close();
    }
  });

  it("hijacked connections never take the last slot: requests pass while an attach waits", async () => {
    const docker = newClient({ maxProcesses: 3 });
    const sessions: AttachSession[] = [];
    try {
      for (let i = 0; i < 2; i++) sessions.push(await docker.attachToContainer({ container: cat, stream: true, stdout: true }));
      let third: AttachSession | undefined;
      const waiting = docker.attachToContainer({ container: cat, stream: true, stdout: true }).then((s) => (third = s));
      await new Promise((r) => setTimeout(r, 1500));
      expect(third).toBeUndefined();
      expect(await docker.ping()).toBe("OK");
      expect(liveSshProcessCount() - 1).toBeLessThanOrEqual(3); // `setup`'s pooled process aside
      sessions.shift()!.close();
      sessions.push(await waiting);
      expect(third).toBeDefined();
    } finally {
      for (const session of sessions) session.close();
      await docker.close();
    }
  });

  it("an idle pooled process ends after idleTimeoutMs", async () => {
    const docker = newClient({ idleTimeoutMs: 300 });
    try {
      const before = liveSshProcessCount();
      expect(await docker.ping()).toBe("OK");
      await until(() => liveSshProcessCount() <= before, 10_000);
      expect(liveSshProcessCount()).toBeLessThanOrEqual(before);
    } finally {
      await docker.close();
    }
  });

  it("1 000 requests + 50 attaches + 50 aborted streams leave no ssh process and no descriptor", async () => {
    await setup.close();
    await until(() => liveSshProcessCount() === 0);
    const fdBefore = openDescriptors();
    const docker = newClient();
    let requests = 0;
    // 1 000 requests, 10 at a time (above the cap: some queue).
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          if (i % 2 === 0) expect(await docker.ping()).toBe("OK");
          else expect((await docker.inspectContainer({ id: cat })).Id).toBe(cat);
          requests++;
        }),
      );
    }
    expect(requests).toBe(1000);
    // 50 attaches with stdin, 5 at a time: what goes in comes back through cat.
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          const session = await docker.attachToContainer({ container: cat, stream: true, stdin: true, stdout: true });
          const token = `t-${batch}-${i}\n`;
          const writer = session.stdin.getWriter();
          await writer.write(encoder.encode(token));
          writer.releaseLock();
          const reader = session.stdout.getReader();
          let seen = "";
          while (!seen.includes(token)) {
            const { done, value } = await reader.read();
            if (done) break;
            seen += decoder.decode(value);
          }
          reader.releaseLock();
          session.close();
          expect(seen).toContain(token);
        }),
      );
    }
    // 50 followed log streams aborted mid-way, 5 at a time.
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const controller = new AbortController();
          const logs = await docker.containerLogs({ container: cat, follow: true, stdout: true, signal: controller.signal });
          setTimeout(() => controller.abort(), 20);
          const outcome = await logs.closed.then(
            () => "ended",
            (e: unknown) => e,
          );
          if (outcome !== "ended") expect(outcome).toBeInstanceOf(DockerAbortError);
        }),
      );
    }
    await docker.close();
    await until(() => liveSshProcessCount() === 0 && sshChildren().length === 0);
    expect(liveSshProcessCount()).toBe(0);
    expect(sshChildren()).toEqual([]);
    await until(() => openDescriptors() <= fdBefore, 5_000);
    expect(openDescriptors()).toBeLessThanOrEqual(fdBefore);
    setup = newClient();
  }, 240_000);

  it("a process that exits without close() leaves no ssh process behind (exit hook)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-ssh-exit-"));
    const marker = `ServerAliveCountMax=${1000 + Math.floor(Math.random() * 8999)}`;
    const script = path.join(dir, "exit.mts");
    const src = new URL("../../src/index.js", import.meta.url).pathname;
    fs.writeFileSync(
      script,
      `import { DockerClient } from ${JSON.stringify(src)};
const docker = new DockerClient({ host: ${JSON.stringify(HOST)}, apiVersion: "1.41", ssh: { configFile: ${JSON.stringify(CONFIG)}, options: [${JSON.stringify(marker)}] } });
await Promise.all([docker.ping(), docker.ping(), docker.ping()]);
process.exit(0);
`,
    );
    try {
      const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const deadline = Date.now() + 5_000;
      let left = "";
      do {
        left = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" }).stdout.trim();
      } while (left !== "" && Date.now() < deadline);
      expect(left).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
