/**
 * Time from service create to converged: berth's `createService` (which waits, as below) against
 * `docker service create` (the docker CLI, which waits by default), for 1, 6 and 30 replicas in
 * one run on the swarm of scripts/swarm.sh, and berth's client CPU per convergence.
 *   eval "$(bash scripts/swarm.sh start)"; npx tsx bench/swarm.ts
 * Writes bench/results/swarm.md. Each service is removed, and its tasks gone, before the next.
 * Both sides wait for stability: berth for `stableMs` (1 s, its default), the CLI for its
 * verification window (the update config's monitor period, as it prints).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerApiV141 } from "../src/versions/v1.41.js";
import { createService, listTasks, removeService, type ServiceSpec } from "../src/swarm/index.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: eval "$(bash scripts/swarm.sh start)" first`);
  return value;
};
const host = env("BERTH_SWARM_MANAGER");
const image = env("BERTH_SWARM_IMAGE");
const auth = {
  username: env("BERTH_SWARM_REGISTRY_USER"),
  password: env("BERTH_SWARM_REGISTRY_PASSWORD"),
  serveraddress: env("BERTH_SWARM_REGISTRY"),
};
const docker = createDockerApiV141({ host });
const configDir = mkdtempSync(join(tmpdir(), "berth-bench-swarm-"));
writeFileSync(
  join(configDir, "config.json"),
  JSON.stringify({ auths: { [auth.serveraddress]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString("base64") } } }),
);

const spec = (name: string, replicas: number): ServiceSpec => ({
  Name: name,
  TaskTemplate: { ContainerSpec: { Image: image, Command: ["sleep", "300"], StopGracePeriod: 1e9 } },
  Mode: { Replicated: { Replicas: replicas } },
});

async function gone(id: string): Promise<void> {
  await removeService(docker, id);
  for (let i = 0; i < 600; i++) {
    const left = await listTasks(docker, { filters: { service: [id] } }).catch(() => []);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dockerCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      "docker",
      args,
      { env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: configDir }, timeout: 600_000 },
      (error, _out, err) => (error ? reject(new Error(`docker ${args.join(" ")}: ${error.message} ${err}`)) : resolve()),
    ),
  );
}

const cliAvailable = await dockerCli(["version", "--format", "{{.Client.Version}}"]).then(
  () => true,
  () => false,
);
const rows: string[] = [];
for (const replicas of [1, 6, 30]) {
  const name = `bench-berth-${replicas}-${process.pid}`;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { id } = await createService(docker, spec(name, replicas), { registryAuth: auth, timeoutMs: 600_000 });
  const berthMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await gone(id);
  let cliMs = Number.NaN;
  if (cliAvailable) {
    const cliName = `bench-cli-${replicas}-${process.pid}`;
    const t1 = performance.now();
    await dockerCli([
      "service",
      "create",
      "--quiet",
      "--with-registry-auth",
      "--name",
      cliName,
      "--replicas",
      String(replicas),
      "--stop-grace-period",
      "1s",
      image,
      "sleep",
      "300",
    ]);
    cliMs = performance.now() - t1;
    await gone(cliName);
  }
  const ratio = Number.isNaN(cliMs) ? "n/a (no docker CLI)" : `${(berthMs / cliMs).toFixed(2)}x`;
  rows.push(
    `| ${replicas} | ${berthMs.toFixed(0)} | ${Number.isNaN(cliMs) ? "n/a" : cliMs.toFixed(0)} | ${ratio} | ${((cpu.user + cpu.system) / 1000).toFixed(1)} |`,
  );
  console.log(rows.at(-1));
}
await docker.close();
rmSync(configDir, { recursive: true, force: true });

const report = `# Swarm: create to converged (bench/swarm.ts)

One run, ${new Date().toISOString()}, on the three-node swarm of scripts/swarm.sh (dockerd 20.10, vfs),
${process.version}. berth: \`createService\` with registry credentials, waiting (replicas stable for
1 s). CLI: \`docker service create --with-registry-auth\` (waits by default, then verifies stability
for the monitor period). Ratio = berth time / CLI time (lower is faster).

| replicas | berth ms | docker CLI ms | ratio | berth client CPU ms |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
`;
writeFileSync(new URL("./results/swarm.md", import.meta.url), report);
console.log(report);
