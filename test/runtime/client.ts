/**
 * The Go-surface DockerClient on Node (via tsx), Bun and Deno against the real daemon:
 * container lifecycle, a build from an in-memory tar, an export read back, and an event listener.
 */
import { packTar, unpackTar } from "modern-tar";
import { DockerClient, NoSuchContainerError, type EventItem } from "../../src/index.js";
import { probeTestDaemon } from "../helpers/daemon-kind.js";
import { assert, assertEqual, env, rejects, run, test } from "./harness.js";

const host = env("BERTH_TEST_DOCKER_HOST");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run through `npm test`");
const docker = new DockerClient({ host });
const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const encoder = new TextEncoder();

test("lifecycle: create, start, wait (exit code), inspect, remove", async () => {
  const { Id: id } = await docker.createContainer({
    name: `berth-rt-client-${suffix}`,
    config: { Image: image, Cmd: ["sh", "-c", "echo hi > /out.txt; exit 5"], NetworkDisabled: true },
  });
  try {
    await docker.startContainer({ id });
    assertEqual(await docker.waitContainer({ id }), 5, "exit code");
    const inspected = await docker.inspectContainer({ id });
    assertEqual(inspected.State?.ExitCode, 5, "inspected exit code");
    const archive = await docker.copyFromContainer({ id, resource: "/out.txt" }).bytes();
    const entries = await unpackTar(archive);
    const file = entries.find((e) => e.header.name.replace(/^\.\//, "") === "out.txt");
    assertEqual(new TextDecoder().decode(file?.data), "hi\n", "copied file content");
  } finally {
    await docker.removeContainer({ id, force: true });
  }
  const error = await rejects(docker.inspectContainer({ id }));
  assert(error instanceof NoSuchContainerError, `removed container is NoSuchContainerError, got ${String(error)}`);
});

test("build from an in-memory tar; the image runs", async () => {
  const context = await packTar(
    [
      { header: { name: "Dockerfile", size: 0, mode: 0o644 }, body: encoder.encode(`FROM ${image}\nCOPY msg /msg\n`) },
      { header: { name: "msg", size: 0, mode: 0o644 }, body: encoder.encode("built on every runtime\n") },
    ].map((e) => ({ ...e, header: { ...e.header, size: e.body.byteLength } })),
  );
  const tag = `berth-rt-build-${suffix}`;
  const { imageId } = await docker.buildImage({ context, name: tag, rmTmpContainer: true });
  assert(/^(sha256:)?[0-9a-f]{12,64}$/.test(imageId), `image id ${imageId}`);
  const { Id: id } = await docker.createContainer({ config: { Image: tag, Cmd: ["cat", "/msg"], NetworkDisabled: true } });
  try {
    const session = await docker.attachToContainer({ container: id, stream: true, stdout: true, stderr: true });
    await docker.startContainer({ id });
    let out = "";
    for await (const frame of session.frames()) out += new TextDecoder().decode(frame.data);
    assertEqual(out, "built on every runtime\n", "container output");
  } finally {
    await docker.removeContainer({ id, force: true });
    await docker.removeImage({ name: tag });
  }
});

test("an event listener sees a container's create and destroy", async () => {
  const name = `berth-rt-events-${suffix}`;
  const seen: string[] = [];
  const listener = (item: EventItem) => {
    if ("action" in item && item.actor.attributes["name"] === name) seen.push(item.action);
  };
  docker.addEventListener(listener);
  try {
    const { Id: id } = await docker.createContainer({ name, config: { Image: image, Cmd: ["true"], NetworkDisabled: true } });
    await docker.removeContainer({ id });
    // podman 4.3 calls it `remove` (docs/podman.md)
    const removed = (await probeTestDaemon(host!)).kind === "podman" ? "remove" : "destroy";
    for (let i = 0; i < 100 && !seen.includes(removed); i++) await new Promise((r) => setTimeout(r, 50));
    assert(seen.includes("create") && seen.includes(removed), `events seen: ${seen.join(",")}`);
  } finally {
    docker.removeEventListener(listener);
  }
});

test("close releases the client", async () => {
  await docker.close();
});

await run("client");
