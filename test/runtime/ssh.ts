/**
 * The client over `ssh://` on Node (via tsx), Bun and Deno, through the tests' own sshd
 * (scripts/sshd.sh) whose remote `docker` is the test daemon: container lifecycle, attach with
 * stdin half-close, exec, logs follow, events, push/pull through the local registry, a build
 * from a directory, export; then no ssh process is left.
 *   npx tsx test/runtime/ssh.ts | npx bun run test/runtime/ssh.ts | npx deno run -A test/runtime/ssh.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unpackTar } from "modern-tar";
import { DockerClient, NoSuchContainerError, runExec, tarDirectory, type EventItem, type ProgressMessage } from "../../src/index.js";
import { createDockerApiV141 } from "../../src/versions/v1.41.js";
import { liveSshProcessCount } from "../../src/transport/ssh-process.js";
import { assert, assertEqual, env, rejects, run, test } from "./harness.js";

const host = env("BERTH_TEST_SSH_HOST");
const configFile = env("BERTH_TEST_SSH_CONFIG");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
const registry = env("BERTH_TEST_REGISTRY");
if (!host || !configFile || !registry)
  throw new Error("BERTH_TEST_SSH_HOST/CONFIG or BERTH_TEST_REGISTRY is not set: run through `npm test`");
const docker = new DockerClient({ host, ssh: { configFile } });
const api141 = createDockerApiV141({ host, ssh: { configFile } });
const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const noNetwork = { NetworkMode: "none" };

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) out += decoder.decode(piece, { stream: true });
  return out;
}

async function withContainer(cmd: string[], extra: Record<string, unknown>, fn: (id: string) => Promise<void>): Promise<void> {
  const { Id: id } = await docker.createContainer({
    name: `berth-rt-ssh-${suffix}-${Math.random().toString(36).slice(2, 6)}`,
    config: { Image: image, Cmd: cmd, NetworkDisabled: true, StopTimeout: 1, ...extra },
    hostConfig: noNetwork,
  });
  try {
    await fn(id);
  } finally {
    await docker.removeContainer({ id, force: true });
  }
}

test("ping and version name the daemon behind the ssh tunnel", async () => {
  assertEqual(await docker.ping(), "OK", "ping");
  const version = await docker.version();
  assert(typeof version.ApiVersion === "string" && version.ApiVersion.length > 0, `api version ${version.ApiVersion}`);
});

test("lifecycle: create, start, wait (exit code), inspect, remove", async () => {
  let removed = "";
  await withContainer(["sh", "-c", "exit 3"], {}, async (id) => {
    removed = id;
    await docker.startContainer({ id });
    assertEqual(await docker.waitContainer({ id }), 3, "exit code");
    assertEqual((await docker.inspectContainer({ id })).State?.ExitCode, 3, "inspected exit code");
  });
  const error = await rejects(docker.inspectContainer({ id: removed }));
  assert(error instanceof NoSuchContainerError, `removed container is NoSuchContainerError, got ${String(error)}`);
});

test("attach: stdin round-trips through cat, and closing it half-closes", () =>
  withContainer(["cat"], { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true }, async (id) => {
    const session = await docker.attachToContainer({ container: id, stream: true, stdin: true, stdout: true, stderr: true });
    await docker.startContainer({ id });
    const writer = session.stdin.getWriter();
    await writer.write(encoder.encode("over ssh\n"));
    await writer.close();
    const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
    assertEqual(stdout, "over ssh\n", "stdout");
    assertEqual(stderr, "", "stderr");
    await session.closed;
    assertEqual(await docker.waitContainer({ id }), 0, "exit code after EOF");
  }));

test("exec with stdin: output and exit code", () =>
  withContainer(["sleep", "30"], {}, async (id) => {
    await docker.startContainer({ id });
    const result = await runExec(api141, id, ["sh", "-c", "tr a-z A-Z; echo err >&2; exit 4"], { stdin: encoder.encode("shout\n") });
    assertEqual(result.exitCode, 4, "exit code");
    assertEqual(result.stdout, "SHOUT\n", "stdout");
    assertEqual(result.stderr, "err\n", "stderr");
  }));

test("logs follow: lines while the container runs, the end when it stops", () =>
  withContainer(["sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.2; done"], {}, async (id) => {
    await docker.startContainer({ id });
    const logs = await docker.containerLogs({ container: id, follow: true, stdout: true, stderr: true });
    const text = await readAll(logs.stdout);
    assertEqual(text, "line 1\nline 2\nline 3\n", "followed logs");
    await logs.closed;
  }));

test("events: a container's create and destroy arrive", async () => {
  const name = `berth-rt-ssh-events-${suffix}`;
  const seen: string[] = [];
  const listener = (item: EventItem) => {
    if ("action" in item && item.actor.attributes["name"] === name) seen.push(item.action);
  };
  docker.addEventListener(listener);
  try {
    // The listener's stream is up once its first request answered; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { Id: id } = await docker.createContainer({ name, config: { Image: image, Cmd: ["true"], NetworkDisabled: true } });
    await docker.removeContainer({ id });
    for (let i = 0; i < 200 && !seen.includes("destroy"); i++) await new Promise((r) => setTimeout(r, 50));
    assert(seen.includes("create") && seen.includes("destroy"), `events seen: ${seen.join(",")}`);
  } finally {
    docker.removeEventListener(listener);
  }
});

test("push to and pull from the local registry, with progress", async () => {
  const repository = `${registry}/berth-rt-ssh/${suffix}`;
  await docker.tagImage({ name: image, repo: repository, tag: "v1" });
  try {
    const push = docker.pushImage({ name: repository, tag: "v1" });
    const messages: ProgressMessage[] = [];
    for await (const message of push) messages.push(message);
    const pushed = await push;
    assert(/^sha256:[0-9a-f]{64}$/.test(pushed.digest ?? ""), `pushed digest ${pushed.digest}`);
    assert(messages.length > 0, "push progress messages");
    await docker.removeImage({ name: `${repository}:v1` });
    const pulled = await docker.pullImage({ repository, tag: "v1" });
    assertEqual(pulled.digest, pushed.digest, "pulled digest");
  } finally {
    await docker.removeImage({ name: `${repository}:v1` }).catch(() => {});
  }
});

test("build from a directory; the image runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-rt-ssh-build-"));
  const tag = `berth-rt-ssh-build-${suffix}`;
  try {
    writeFileSync(join(dir, "Dockerfile"), `FROM ${image}\nCOPY msg /msg\nCMD ["cat", "/msg"]\n`);
    writeFileSync(join(dir, "msg"), "built over ssh\n");
    const { imageId } = await docker.buildImage({ context: await tarDirectory(dir), name: tag, rmTmpContainer: true });
    assert(/^(sha256:)?[0-9a-f]{12,64}$/.test(imageId), `image id ${imageId}`);
    const { Id: id } = await docker.createContainer({ config: { Image: tag, NetworkDisabled: true }, hostConfig: noNetwork });
    try {
      await docker.startContainer({ id });
      assertEqual(await docker.waitContainer({ id }), 0, "exit code");
      const logs = await docker.containerLogs({ container: id, stdout: true });
      assertEqual(await readAll(logs.stdout), "built over ssh\n", "output of the built image");
    } finally {
      await docker.removeContainer({ id, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await docker.removeImage({ name: tag }).catch(() => {});
  }
});

test("export: the container's filesystem as a tar stream", () =>
  withContainer(["sh", "-c", "echo exported > /exported.txt"], {}, async (id) => {
    await docker.startContainer({ id });
    assertEqual(await docker.waitContainer({ id }), 0, "exit code");
    const entries = await unpackTar(await docker.exportContainer({ id }).bytes());
    const file = entries.find((e) => e.header.name.replace(/^\.\//, "") === "exported.txt");
    assertEqual(decoder.decode(file?.data), "exported\n", "exported file");
    assert(
      entries.some((e) => e.header.name.replace(/^\.\//, "") === "bin/busybox"),
      "busybox in the export",
    );
  }));

test("close ends every ssh process", async () => {
  await Promise.all([docker.close(), api141.close()]);
  for (let i = 0; i < 100 && liveSshProcessCount() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assertEqual(liveSshProcessCount(), 0, "live ssh processes after close");
});

await run("ssh");
