/**
 * Smoke suite run unchanged on Node (via tsx), Bun and Deno against the real daemon:
 * ping, version, list, and a container's create/start/wait/remove over the unix socket.
 */
import { createDockerApi } from "../../src/index.js";
import type { paths } from "../../generated/v1.10/index.js";
import { listedNameOn, probeTestDaemon } from "../helpers/daemon-kind.js";
import { assert, assertEqual, env, run, test } from "./harness.js";

const host = env("BERTH_TEST_DOCKER_HOST");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run through `npm test`");
const docker = createDockerApi<paths>({ host, preferredVersion: "1.10" });

test("ping answers OK", async () => {
  const { data } = await docker.api.GET("/_ping", { parseAs: "text" });
  assertEqual(data, "OK");
});

test("version negotiates a version the daemon accepts", async () => {
  const { data } = await docker.api.GET("/version");
  assert(typeof data?.Version === "string" && data.Version.length > 0, "Version is a non-empty string");
  const picked = await docker.apiVersion();
  assert(/^1\.\d+$/.test(picked), `picked ${picked}`);
});

test("list containers and images", async () => {
  const containers = await docker.api.GET("/containers/json", { params: { query: { all: true } } });
  assert(Array.isArray(containers.data), "containers is an array");
  const images = await docker.api.GET("/images/json", { params: { query: { all: false } } });
  assert(Array.isArray(images.data), "images is an array");
  // podman lists it fully qualified (docker.io/berth-test/busybox:latest)
  const listed = listedNameOn((await probeTestDaemon(host!)).kind, image);
  assert(
    (images.data ?? []).some((i) => (i.RepoTags ?? []).includes(listed)),
    `the test image ${listed} is listed`,
  );
});

test("create, start, wait and remove a container", async () => {
  const name = `berth-smoke-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const created = await docker.api.POST("/containers/create", {
    params: { query: { name } },
    body: { Image: image, Cmd: ["sh", "-c", "exit 3"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } } as never,
  });
  const id = created.data?.Id;
  assert(typeof id === "string" && id.length >= 12, "create returns an Id");
  try {
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } } });
    const waited = await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } });
    assertEqual(waited.data?.StatusCode, 3, "exit code");
  } finally {
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } } });
  }
  const gone = await docker.api.GET("/containers/{id}/json", { params: { path: { id } } }).catch((e: unknown) => e);
  assertEqual((gone as { name?: string }).name, "NoSuchContainerError", "removed container is gone");
});

test("close releases the transport", async () => {
  await docker.close();
});

await run("smoke");
