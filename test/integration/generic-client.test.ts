/**
 * The generated API 1.41 client (`createDockerV141`, the generic runtime over
 * generated/v1.41/methods.ts) end to end on the real daemon (Docker 20.10): networks, volumes,
 * containers with binds, exec with stdin half-close, demultiplexed logs, import/build/export/
 * copy, push and pull with progress through the local registry, events, waits, system df and
 * list filters. Every call goes through a table method; results are used without `!`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collectOutput } from "../../src/exec/index.js";
import type { ValidationReport } from "../../src/index.js";
import {
  DockerApiError,
  DockerClient,
  DockerWaitError,
  InvalidOptionError,
  NoSuchContainerError,
  NoSuchImageError,
} from "../../src/index.js";
import { createDockerV141, type DockerV141 } from "../../src/versions/v1.41.js";
import { createDockerV156 } from "../../src/versions/v1.56.js";
import { listedName, onPodman, testDockerHost, testImage, testRegistry, uniqueName } from "../helpers/daemon.js";

const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += decoder.decode(chunk, { stream: true });
  return out + decoder.decode();
}

/** The names of the entries of a tar archive (ustar headers, 512-byte blocks). */
function tarNames(archive: Uint8Array): string[] {
  const names: string[] = [];
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = text(header.subarray(0, 100)).replace(/\0.*$/s, "");
    const prefix = text(header.subarray(345, 500)).replace(/\0.*$/s, "");
    const size = parseInt(text(header.subarray(124, 136)).replace(/\0.*$/s, "").trim() || "0", 8);
    names.push(prefix ? `${prefix}/${name}` : name);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

let docker: DockerV141;
const containers: string[] = [];
const volumes: string[] = [];
const networks: string[] = [];
const images: string[] = [];

/** Answers the tolerant validation let through (a null the document does not allow, an unlisted enum value). */
const tolerated: string[] = [];
const onValidationIssue = (report: ValidationReport) => {
  tolerated.push(`${report.what}: ${report.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
};

beforeAll(() => {
  docker = createDockerV141({ host: testDockerHost(), onValidationIssue });
});
afterEach(async () => {
  for (const id of containers.splice(0)) await docker.containers.delete({ id, force: true, v: true }).catch(() => {});
  for (const name of volumes.splice(0)) await docker.volumes.delete({ name, force: true }).catch(() => {});
  for (const id of networks.splice(0)) await docker.networks.delete({ id }).catch(() => {});
  for (const name of images.splice(0)) await docker.images.delete({ name, force: true }).catch(() => {});
});
afterAll(async () => {
  await docker.close();
  // What Docker 20.10 answered that the 1.41 and 1.56 documents (with berth's overlay) do not allow.
  if (tolerated.length) console.log(`tolerated answers:\n  ${[...new Set(tolerated)].join("\n  ")}`);
});

/** Creates a container of the test image without a network; removed after the test. */
async function create(cmd: string[], extra: { Binds?: string[]; Tty?: boolean; Healthcheck?: object } = {}): Promise<string> {
  const { Id } = await docker.containers.create({
    name: uniqueName("generic"),
    body: {
      Image: testImage(),
      Cmd: cmd,
      StopTimeout: 1,
      Tty: extra.Tty ?? false,
      ...(extra.Healthcheck ? { Healthcheck: extra.Healthcheck } : {}),
      HostConfig: { NetworkMode: "none", Binds: extra.Binds ?? [] },
    },
  });
  containers.push(Id);
  return Id;
}

describe("system", () => {
  it("negotiates 1.41 and answers ping, version, info and df", async () => {
    expect(await docker.apiVersion()).toBe("1.41");
    expect(docker.typedVersion).toBe("1.41");
    expect(await docker.system.ping()).toBe("OK");
    const version = await docker.system.version();
    expect(version.ApiVersion).toBe("1.41");
    const info = await docker.system.info();
    expect(info.Driver).toBe("vfs");
    const df = await docker.system.dataUsage();
    expect(Array.isArray(df.Images)).toBe(true);
    const { Id } = await docker.images.inspect({ name: testImage() });
    const tags = df.Images?.filter((image) => `sha256:${image.Id.replace(/^sha256:/, "")}` === Id).flatMap((image) => image.RepoTags ?? []);
    // podman 4.3's data usage names each image by its tag alone ("latest"), one entry per tag (docs/podman.md)
    expect(tags).toContain(onPodman() ? testImage().split(":").pop() : testImage());
  });
});

describe("networks and volumes", () => {
  it("lists the daemon's networks, creates, filters, inspects and removes an internal one", async () => {
    const all = await docker.networks.list();
    // podman 4.3 lists its one default network, under the name "bridge" (docs/podman.md)
    expect(all.map((n) => n.Name)).toEqual(expect.arrayContaining(onPodman() ? ["bridge"] : ["host", "none"]));
    const name = uniqueName("gnet");
    const created = await docker.networks.create({ body: { Name: name, Internal: true, Labels: { owner: "berth-test" } } });
    networks.push(created.Id);
    const filtered = await docker.networks.list({ filters: { name: [name] } });
    expect(filtered.map((n) => n.Id)).toEqual([created.Id]);
    const inspected = await docker.networks.inspect({ id: name });
    expect(inspected).toMatchObject({ Name: name, Internal: true, Labels: { owner: "berth-test" } });
    await docker.networks.delete({ id: created.Id });
    await expect(docker.networks.inspect({ id: created.Id })).rejects.toBeInstanceOf(DockerApiError);
  });

  it("creates a volume without labels, finds it by filter, binds it into a container, removes it", async () => {
    const name = uniqueName("gvol");
    const volume = await docker.volumes.create({ body: { Name: name } });
    volumes.push(name);
    expect(volume.Name).toBe(name);
    const listed = await docker.volumes.list({ filters: { name: [name] } });
    expect(listed.Volumes?.map((v) => v.Name)).toEqual([name]);
    const writer = await create(["sh", "-c", "echo persisted > /data/file"], { Binds: [`${name}:/data`] });
    await docker.containers.start({ id: writer });
    expect((await docker.containers.wait({ id: writer })).StatusCode).toBe(0);
    const reader = await create(["cat", "/data/file"], { Binds: [`${name}:/data:ro`] });
    const inspected = await docker.containers.inspect({ id: reader });
    // podman 4.3 adds the options it applied: `<name>:/data:ro,rprivate,nosuid,nodev,rbind` (docs/podman.md)
    if (onPodman()) expect(inspected.HostConfig?.Binds?.[0]?.split(",")[0]).toBe(`${name}:/data:ro`);
    else expect(inspected.HostConfig?.Binds).toEqual([`${name}:/data:ro`]);
    await docker.containers.start({ id: reader });
    await docker.containers.wait({ id: reader });
    const logs = await collectOutput(await docker.containers.logs({ id: reader, stdout: true }));
    expect(logs.stdout).toBe("persisted\n");
    await docker.containers.delete({ id: writer });
    await docker.containers.delete({ id: reader });
    await docker.volumes.delete({ name });
    expect((await docker.volumes.list({ filters: { name: [name] } })).Volumes ?? []).toEqual([]);
  });
});

describe("containers", () => {
  it("lists with filters, renames, kills and shows top", async () => {
    const id = await create(["sleep", "30"]);
    const label = await docker.containers.list({ all: true, filters: { id: [id] } });
    expect(label.map((c) => c.Id)).toEqual([id]);
    const newName = uniqueName("renamed");
    await docker.containers.rename({ id, name: newName });
    await docker.containers.start({ id });
    expect((await docker.containers.list({ filters: { name: [newName], status: ["running"] } })).map((c) => c.Id)).toEqual([id]);
    const top = await docker.containers.top({ id });
    expect(top.Processes?.some((p) => p.join(" ").includes("sleep"))).toBe(true);
    await docker.containers.kill({ id, querySignal: "SIGKILL" });
    const waited = await docker.containers.wait({ id });
    expect(waited.StatusCode).toBe(137);
  });

  it("throws the typed errors: unknown container, unknown option, missing path parameter", async () => {
    await expect(docker.containers.inspect({ id: "no-such-container-berth" })).rejects.toBeInstanceOf(NoSuchContainerError);
    await expect(docker.images.inspect({ name: "berth-test/no-such-image:none" })).rejects.toBeInstanceOf(NoSuchImageError);
    // A JavaScript caller's misspelling is refused before sending (TypeScript refuses it at compile time).
    await expect(docker.containers.list({ al: true } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(docker.containers.inspect({ id: "" })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("waits until a health check passes; a container that exits fails the wait with DockerWaitError", async () => {
    const healthy = await create(["sleep", "30"], {
      Healthcheck: { Test: ["CMD", "true"], Interval: 100_000_000, Timeout: 1_000_000_000, Retries: 3 },
    });
    await docker.containers.start({ id: healthy });
    if (onPodman()) {
      // podman 4.3 runs health checks from systemd timers; a service without systemd never runs
      // one, so the health stays "starting" and the wait ends at its timeout (docs/podman.md)
      const error = await docker.containers.waitHealthy({ id: healthy, timeoutMs: 2_000, intervalMs: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockerWaitError);
      expect((error as Error).message).toMatch(/did not become healthy within 2000 ms \(health: starting\)/);
    } else {
      const state = await docker.containers.waitHealthy({ id: healthy, timeoutMs: 30_000, intervalMs: 100 });
      expect(state.State?.Health?.Status).toBe("healthy");
    }
    const exits = await create(["true"], { Healthcheck: { Test: ["CMD", "true"], Interval: 10_000_000_000 } });
    await docker.containers.start({ id: exits });
    await docker.containers.wait({ id: exits });
    const error = await docker.containers.waitHealthy({ id: exits, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerWaitError);
    expect((error as DockerWaitError).exitCode).toBe(0);
    const none = await create(["true"]);
    await expect(docker.containers.waitHealthy({ id: none })).rejects.toThrow(/has no health check/);
  });

  it("reads one stats sample and the archive stat header", async () => {
    const id = await create(["sleep", "30"]);
    await docker.containers.start({ id });
    const samples = [];
    for await (const sample of docker.containers.stats({ id, stream: false })) samples.push(sample);
    expect(samples).toHaveLength(1);
    expect(samples[0]).toHaveProperty("memory_stats");
    const headers = await docker.containers.archiveInfo({ id, path: "/etc/passwd" });
    const stat = JSON.parse(atob(headers.get("x-docker-container-path-stat") ?? "")) as { name: string };
    expect(stat.name).toBe("passwd");
  });
});

describe("exec and logs", () => {
  it("round-trips stdin through cat with half-close, then reports exit code 0", async () => {
    const id = await create(["sleep", "30"]);
    await docker.containers.start({ id });
    const exec = await docker.exec.create({ id, body: { Cmd: ["cat"], AttachStdin: true, AttachStdout: true, AttachStderr: true } });
    const session = await docker.exec.start({ id: exec.Id, body: { Tty: false } });
    const stdout = readAll(session.stdout);
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello through the table\n"));
    await writer.close();
    expect(await stdout).toBe("hello through the table\n");
    expect(await session.exitCode()).toBe(0);
    const inspected = await docker.exec.inspect({ id: exec.Id });
    expect(inspected).toMatchObject({ Running: false, ExitCode: 0, ContainerID: id });
  });

  it("follows demultiplexed logs until the container exits; attach replays them", async () => {
    const id = await create(["sh", "-c", "echo out; echo err >&2; sleep 0.3; echo late"]);
    await docker.containers.start({ id });
    const logs = await docker.containers.logs({ id, follow: true, stdout: true, stderr: true });
    expect(await collectOutput(logs)).toEqual({ stdout: "out\nlate\n", stderr: "err\n" });
    const tail = await collectOutput(await docker.containers.logs({ id, stdout: true, tail: "1" }));
    expect(tail.stdout).toBe("late\n");
    const attached = await docker.containers.attach({ id, logs: true, stream: false, stdout: true, stderr: true });
    expect(await collectOutput(attached.frames())).toEqual({ stdout: "out\nlate\n", stderr: "err\n" });
  });

  it("sees a container's lifecycle in the events multiplexer, filtered", async () => {
    const since = new Date(Date.now() - 1000);
    const id = await create(["true"]);
    await docker.containers.start({ id });
    await docker.containers.wait({ id });
    const actions: string[] = [];
    for await (const item of docker.system.events({ since, signal: AbortSignal.timeout(20_000), filters: { type: "container", id } })) {
      if (item.kind !== "event") continue;
      actions.push(item.action);
      if (item.action === "die") break;
    }
    expect(actions).toEqual(expect.arrayContaining(["create", "start", "die"]));
  });
});

describe("images and archives", () => {
  it("imports from files, copies into and out of a container, exports it", async () => {
    const repo = uniqueName("berth-test/generic-import");
    const imported = await docker.images.create({ fromSrc: "-", repo, tag: "v1", body: { files: { "hello.txt": "hi from files\n" } } });
    images.push(`${repo}:v1`);
    expect(imported.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = await docker.images.inspect({ name: `${repo}:v1` });
    expect(image.RepoTags).toEqual([listedName(`${repo}:v1`)]);

    const id = await create(["true"]);
    const dir = await mkdtemp(join(tmpdir(), "berth-generic-"));
    try {
      await writeFile(join(dir, "a.txt"), "from a directory\n");
      await docker.containers.putArchive({ id, path: "/tmp", body: { directory: dir } });
      await docker.containers.putArchive({ id, path: "/root", body: { files: { "b.txt": "from files\n" } } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const copied = await docker.containers.archive({ id, path: "/tmp/a.txt" }).bytes();
    expect(tarNames(copied)).toEqual(["a.txt"]);
    expect(text(copied)).toContain("from a directory\n");
    let size = 0;
    const exported: string[] = [];
    const chunks: Uint8Array[] = [];
    for await (const chunk of docker.containers.export({ id })) {
      size += chunk.byteLength;
      chunks.push(chunk);
    }
    const whole = new Uint8Array(size);
    chunks.reduce((at, c) => (whole.set(c, at), at + c.byteLength), 0);
    exported.push(...tarNames(whole));
    expect(exported).toEqual(expect.arrayContaining(["bin/busybox", "root/b.txt", "tmp/a.txt"]));
    const saved = await docker.images.get({ name: `${repo}:v1` }).bytes();
    expect(tarNames(saved)).toContain("manifest.json");
  });

  it("builds from a directory honouring .dockerignore, with progress", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-generic-build-"));
    const tag = `${uniqueName("berth-test/generic-build")}:latest`;
    try {
      await writeFile(join(dir, "Dockerfile"), `FROM ${testImage()}\nCOPY . /ctx/\nCMD ["ls", "/ctx"]\n`);
      await writeFile(join(dir, "kept.txt"), "kept\n");
      await writeFile(join(dir, "secret.txt"), "ignored\n");
      await writeFile(join(dir, ".dockerignore"), "secret.txt\n");
      const build = docker.images.build({ t: tag, rm: true, body: { directory: dir } });
      const streamed: string[] = [];
      for await (const message of build) if (message.stream) streamed.push(message.stream);
      const result = await build;
      images.push(tag);
      expect(result.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      // dockerd: "Step 1/3 : FROM", podman (buildah): "STEP 1/3: FROM"
      expect(streamed.join("")).toContain(onPodman() ? "STEP 1/3: FROM" : "Step 1/3 : FROM");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const probe = await docker.containers.create({ body: { Image: tag, HostConfig: { NetworkMode: "none" } } });
    containers.push(probe.Id);
    await docker.containers.start({ id: probe.Id });
    await docker.containers.wait({ id: probe.Id });
    const out = await collectOutput(await docker.containers.logs({ id: probe.Id, stdout: true }));
    const listed = out.stdout.split("\n").filter(Boolean);
    expect(listed).toContain("kept.txt");
    expect(listed).not.toContain("secret.txt");
  });

  it("pushes to and pulls from the local registry with progress", async () => {
    // An image of its own (imported), so that the pull below is a fresh one on either daemon.
    const repo = `${testRegistry()}/${uniqueName("generic-push")}`;
    await docker.images.create({ fromSrc: "-", repo, tag: "v1", body: { files: { "pushed.txt": `${repo}\n` } } });
    images.push(`${repo}:v1`);
    const push = docker.images.push({ name: repo, tag: "v1", "X-Registry-Auth": {} });
    const statuses: string[] = [];
    for await (const message of push) if (message.status) statuses.push(message.status);
    const pushed = await push;
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // podman 4.3 reports no layers: the repository line, then the digest line (docs/podman.md)
    if (onPodman())
      expect(statuses).toEqual([
        `The push refers to repository [${repo}:v1]`,
        `v1: digest: ${pushed.digest} size: ${statuses[1]?.split(" ").pop()}`,
      ]);
    else expect(statuses.join("\n")).toMatch(/Pushed|Layer already exists|Mounted from/);
    await docker.images.delete({ name: `${repo}:v1` });
    await expect(docker.images.inspect({ name: `${repo}:v1` })).rejects.toBeInstanceOf(NoSuchImageError);
    const pulled = await docker.images.create({ fromImage: repo, tag: "v1", "X-Registry-Auth": {} });
    // podman names no digest in the stream: berth found it in the fresh image's RepoDigests
    expect(pulled.digest).toBe(pushed.digest);
    // podman 4.3 sends no "Status:" line (docs/podman.md)
    if (onPodman()) expect(pulled.status).toBeUndefined();
    else expect(pulled.status).toMatch(/Downloaded newer image|Image is up to date/);
    const missing = docker.images.create({ fromImage: `${testRegistry()}/berth-no-such-repo`, tag: "none" });
    // podman 4.3 answers 200 and reports the missing manifest inside the stream (docs/podman.md)
    if (onPodman())
      await expect(missing).rejects.toMatchObject({ name: "DockerStreamError", message: expect.stringMatching(/manifest unknown/) });
    else await expect(missing).rejects.toBeInstanceOf(DockerApiError);
  });
});

describe("DockerClient over the generic client", () => {
  it("shares the low-level client: one pool, one negotiated version", async () => {
    const legacy = DockerClient.over(docker);
    expect(legacy.docker).toBe(docker.core);
    expect(await legacy.apiVersion()).toBe("1.41");
    const id = await create(["true"]);
    const listed = await legacy.listContainers({ all: true });
    expect(listed.map((c) => c.Id)).toContain(id);
    const inspected = await legacy.inspectContainer({ id });
    expect(inspected.Id).toBe(id);
  });
});

describe("the 1.56 client on a 1.41 daemon", () => {
  it("negotiates down and its calls still work", async () => {
    await using newest = createDockerV156({ host: testDockerHost(), onValidationIssue });
    expect(await newest.apiVersion()).toBe("1.41");
    expect(newest.typedVersion).toBe("1.56");
    const listed = await newest.containers.list({ all: true });
    expect(Array.isArray(listed)).toBe(true);
    const volume = await newest.volumes.create({ body: { Name: uniqueName("gvol156") } });
    volumes.push(volume.Name);
    expect((await newest.volumes.inspect({ name: volume.Name })).Name).toBe(volume.Name);
  });
});
