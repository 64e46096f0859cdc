/**
 * `berth` over ssh:// as a person runs it: `-H ssh://...` with `--ssh-config`, `DOCKER_HOST=ssh://...`,
 * and a docker context whose endpoint is ssh (the context store the docker CLI writes). The sshd
 * is scripts/sshd.sh's; its remote docker is the test daemon.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextId } from "../../src/config/contexts.js";
import { testImage } from "../helpers/daemon.js";
import { testSshConfig, testSshHost, testSshNoDockerHost } from "../helpers/ssh.js";
import { berth } from "./cli.helpers.js";

const HOST = testSshHost();
const CONFIG = testSshConfig();

let configDir: string;

/** ssh processes whose command line names this run's sshd config (none may outlive a berth run). */
function sshProcessesOfConfig(): string[] {
  try {
    return execFileSync("pgrep", ["-af", `^ssh -F ${CONFIG}`], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

beforeAll(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-ssh-cli-"));
  const meta = path.join(configDir, "contexts", "meta", contextId("remote"));
  fs.mkdirSync(meta, { recursive: true });
  fs.writeFileSync(
    path.join(meta, "meta.json"),
    JSON.stringify({ Name: "remote", Metadata: {}, Endpoints: { docker: { Host: HOST, SkipTLSVerify: false } } }),
  );
  fs.writeFileSync(path.join(configDir, "config.json"), JSON.stringify({ currentContext: "remote" }));
});

afterAll(() => fs.rmSync(configDir, { recursive: true, force: true }));

describe("berth over ssh://", () => {
  it("-H ssh://... --ssh-config runs a container and prints its output", async () => {
    const result = await berth([
      "-H",
      HOST,
      "--ssh-config",
      CONFIG,
      "run",
      "--rm",
      "--network",
      "none",
      testImage(),
      "echo",
      "hello over ssh",
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("hello over ssh\n");
    expect(result.code).toBe(0);
    expect(sshProcessesOfConfig()).toEqual([]);
  });

  it("DOCKER_HOST=ssh://... works as -H does", async () => {
    const result = await berth(["--ssh-config", CONFIG, "version"], { env: { DOCKER_HOST: HOST } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Server/);
  });

  it("a docker context with an ssh endpoint (config.json currentContext)", async () => {
    const result = await berth(["--ssh-config", CONFIG, "info"], { env: { DOCKER_HOST: undefined, DOCKER_CONFIG: configDir } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("a remote without docker: exit 1 and ssh's reason on stderr", async () => {
    const result = await berth(["-H", testSshNoDockerHost(), "--ssh-config", CONFIG, "ps"], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no docker CLI.*docker: not found/);
  });

  it("--ssh-option reaches ssh (an empty known_hosts: the host key is refused)", async () => {
    const result = await berth(["-H", HOST, "--ssh-config", CONFIG, "--ssh-option", "UserKnownHostsFile=/dev/null", "ps"], {
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/host key/);
  });
});
