/**
 * `berth service|node|swarm|secret` as a person runs them (child process, real argv and exit
 * code) against the three-node swarm. Credentials come from a docker config.json of the test's
 * own, so `--with-registry-auth` forwards them to the nodes.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { closeClients, nodeClient, removeTestServices, serviceName, swarmImage, swarmNodeHosts, swarmRegistryAuth } from "./swarm-env.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const configDir = mkdtempSync(join(tmpdir(), "berth-swarm-cli-"));
const auth = swarmRegistryAuth();
writeFileSync(
  join(configDir, "config.json"),
  JSON.stringify({ auths: { [auth.serveraddress]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString("base64") } } }),
);

afterAll(async () => {
  await removeTestServices(nodeClient(1));
  await closeClients();
  rmSync(configDir, { recursive: true, force: true });
});

function berth(args: string[], options: { host?: string; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: options.host ?? swarmNodeHosts()[0], DOCKER_CONFIG: configDir };
    delete env["DOCKER_CONTEXT"];
    const child = execFile(process.execPath, ["--import", "tsx", MAIN, ...args], { env, timeout: 150_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? "");
  });
}

describe("berth service, node, secret", () => {
  const name = serviceName("cli");

  it("service create waits for convergence and prints per-replica progress", async () => {
    const result = await berth([
      "service",
      "create",
      "--name",
      name,
      "--replicas",
      "3",
      "-l",
      "berth.test=1",
      "--with-registry-auth",
      swarmImage(),
      "sleep",
      "300",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/replica 1 task \w+ node \w+: running/);
    expect(result.stdout).toMatch(/converged: 3\/3 running/);
    expect(result.stdout.trim().split("\n").at(-1)).toMatch(/^[a-z0-9]{25}$/);
  });

  it("service ls, ps and scale", async () => {
    const ls = await berth(["service", "ls"]);
    expect(ls.stdout).toMatch(new RegExp(`${name}\\s+replicated\\s+3/3`));
    const ps = await berth(["service", "ps", name]);
    expect(ps.stdout.split("\n").filter((l) => /\brunning\s+running\b/.test(l))).toHaveLength(3);
    const scale = await berth(["service", "scale", `${name}=1`]);
    expect(scale.code).toBe(0);
    expect(scale.stdout).toMatch(/converged: 1\/1 running/);
  });

  it("service logs prefixes each line with its task and node", async () => {
    const other = serviceName("clilogs");
    const created = await berth([
      "service",
      "create",
      "-d",
      "--name",
      other,
      "-l",
      "berth.test=1",
      "--with-registry-auth",
      swarmImage(),
      "sh",
      "-c",
      "echo hi-out; echo hi-err >&2; sleep 300",
    ]);
    expect(created.code).toBe(0);
    let logs = { code: 0, stdout: "", stderr: "" };
    for (let i = 0; i < 60 && !logs.stdout.includes("hi-out"); i++) {
      await new Promise((r) => setTimeout(r, 500));
      logs = await berth(["service", "logs", other]);
    }
    expect(logs.stdout).toMatch(/^\w+@\w+ \| hi-out$/m);
    expect(logs.stderr).toMatch(/^\w+@\w+ \| hi-err$/m);
  });

  it("node ls lists three Ready nodes; a worker refuses with the daemon's reason", async () => {
    const ls = await berth(["node", "ls"]);
    expect(ls.stdout.split("\n").filter((l) => /\bready\s+active\b/.test(l))).toHaveLength(3);
    expect(ls.stdout).toMatch(/Leader/);
    const worker = await berth(["node", "ls"], { host: swarmNodeHosts()[1] });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/not a swarm manager/);
  });

  it("secret create from stdin, ls, rm", async () => {
    const secretName = serviceName("clisecret");
    const created = await berth(["secret", "create", secretName, "-"], { input: "hush" });
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[a-z0-9]{25}$/);
    expect((await berth(["secret", "ls"])).stdout).toContain(secretName);
    expect((await berth(["secret", "rm", id])).code).toBe(0);
    expect((await berth(["secret", "ls"])).stdout).not.toContain(secretName);
  });

  it("service rm, and usage errors exit 2", async () => {
    expect((await berth(["service", "rm", name])).code).toBe(0);
    expect((await berth(["service", "ls"])).stdout).not.toContain(name);
    const bad = await berth(["service", "bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown subcommand "service bogus"/);
    expect((await berth(["service", "scale", `${name}=x`])).code).toBe(2);
  });
});
