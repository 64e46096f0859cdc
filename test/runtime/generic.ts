/**
 * The generated API 1.41 client run unchanged on Bun and Deno (vitest covers Node) against the
 * real daemon: system calls, networks and a volume, a container with a bind, exec with stdin
 * half-close, demultiplexed logs, a build from a directory, push and pull with progress, and
 * the 1.56 client negotiated down.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOutput, NoSuchContainerError } from "../../src/index.js";
import { createDockerV141 } from "../../src/versions/v1.41.js";
import { createDockerV156 } from "../../src/versions/v1.56.js";
import { assert, assertEqual, env, rejects, run, test } from "./harness.js";

const host = env("BERTH_TEST_DOCKER_HOST");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
const registry = env("BERTH_TEST_REGISTRY");
if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run through `npm test`");
const docker = createDockerV141({ host });
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

test("system: ping, version, df", async () => {
  assertEqual(await docker.system.ping(), "OK");
  assertEqual((await docker.system.version()).ApiVersion, "1.41");
  const df = await docker.system.dataUsage();
  assert(Array.isArray(df.Images), "df lists images");
});

test("networks and a volume bound into a container; logs demultiplexed", async () => {
  // a network of its own: the daemons' defaults differ (dockerd: host, none; podman: bridge)
  const network = unique("berth-rt-net");
  const { Id: networkId } = await docker.networks.create({ body: { Name: network, Internal: true } });
  try {
    const networks = await docker.networks.list({ filters: { name: [network] } });
    assertEqual(
      networks.map((n) => n.Id),
      [networkId],
    );
  } finally {
    await docker.networks.delete({ id: networkId });
  }
  const volume = await docker.volumes.create({ body: { Name: unique("berth-rt-vol") } });
  const { Id: id } = await docker.containers.create({
    body: {
      Image: image,
      Cmd: ["sh", "-c", "echo kept > /data/f; cat /data/f; echo err >&2"],
      HostConfig: { NetworkMode: "none", Binds: [`${volume.Name}:/data`] },
    },
  });
  try {
    await docker.containers.start({ id });
    assertEqual((await docker.containers.wait({ id })).StatusCode, 0);
    const logs = await collectOutput(await docker.containers.logs({ id, stdout: true, stderr: true }));
    assertEqual(logs, { stdout: "kept\n", stderr: "err\n" });
  } finally {
    await docker.containers.delete({ id, force: true });
    await docker.volumes.delete({ name: volume.Name });
  }
  await rejects(docker.containers.inspect({ id }), "a removed container is gone").then((e) =>
    assert(e instanceof NoSuchContainerError, "NoSuchContainerError"),
  );
});

test("exec with stdin half-close", async () => {
  const { Id: id } = await docker.containers.create({
    body: { Image: image, Cmd: ["sleep", "30"], StopTimeout: 1, HostConfig: { NetworkMode: "none" } },
  });
  try {
    await docker.containers.start({ id });
    const exec = await docker.exec.create({ id, body: { Cmd: ["cat"], AttachStdin: true, AttachStdout: true, AttachStderr: true } });
    const session = await docker.exec.start({ id: exec.Id, body: { Tty: false } });
    const output = collectOutput(session.frames());
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("through stdin\n"));
    await writer.close();
    assertEqual((await output).stdout, "through stdin\n");
    assertEqual(await session.exitCode(), 0);
  } finally {
    await docker.containers.delete({ id, force: true });
  }
});

test("build from a directory, then push and pull it with progress", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-rt-build-"));
  const repo = registry ? `${registry}/${unique("berth-rt")}` : unique("berth-test/rt");
  try {
    await writeFile(join(dir, "Dockerfile"), `FROM ${image}\nCOPY hello.txt /hello.txt\n`);
    await writeFile(join(dir, "hello.txt"), "hello\n");
    const built = await docker.images.build({ t: `${repo}:v1`, body: { directory: dir } });
    assert(/^sha256:[0-9a-f]{64}$/.test(built.imageId ?? ""), `built ${built.imageId}`);
    if (registry) {
      const pushed = await docker.images.push({ name: repo, tag: "v1", "X-Registry-Auth": {} });
      assert(/^sha256:/.test(pushed.digest ?? ""), "push reports a digest");
      await docker.images.delete({ name: `${repo}:v1` });
      const pull = docker.images.create({ fromImage: repo, tag: "v1" });
      let messages = 0;
      for await (const _ of pull) messages++;
      assert(messages > 0, "pull streamed progress");
      assertEqual((await pull).digest, pushed.digest, "pulled the pushed digest");
    }
  } finally {
    await docker.images.delete({ name: `${repo}:v1`, force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

test("the 1.56 client negotiates down to the daemon's 1.41", async () => {
  await using newest = createDockerV156({ host });
  assertEqual(await newest.apiVersion(), "1.41");
  assert(Array.isArray(await newest.images.list()), "images list");
});

await run("generic client");
await docker.close();
