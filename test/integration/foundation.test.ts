/**
 * The typed low-level v1.10 client against the real daemon, at each API version the suites
 * cover: every endpoint that needs no streaming or hijack machinery.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerApi, NoSuchContainerError, NoSuchImageError, DockerApiError, type DockerApi } from "../../src/index.js";
import type { paths } from "../../generated/v1.10/index.js";
import { TEST_API_VERSIONS, listedName, onPodman, testDockerHost, testImage, uniqueName } from "../helpers/daemon.js";

describe("negotiation on the real daemon", () => {
  it("picks the daemon's minimum (1.12; podman 4.3: 1.24) for v1.10 types, and reports it", async () => {
    const docker = createDockerApi<paths>({ host: testDockerHost(), preferredVersion: "1.10" });
    const { data } = await docker.api.GET("/version");
    expect(await docker.apiVersion()).toBe(onPodman() ? "1.24" : "1.12");
    expect(data?.Version).toMatch(/^\d+\.\d+/);
    await docker.close();
  });

  it("a pinned version below the daemon's minimum gets the daemon's own typed refusal", async () => {
    const docker = createDockerApi<paths>({ host: testDockerHost(), preferredVersion: "1.10", apiVersion: "1.10" });
    const error = await docker.api.GET("/version").catch((e: unknown) => e);
    if (onPodman()) {
      // podman 4.3 serves any version, its MinAPIVersion (1.24) notwithstanding
      expect(error).toMatchObject({ data: { ApiVersion: "1.41", MinAPIVersion: "1.24" } });
      await docker.close();
      return;
    }
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as DockerApiError).daemonMessage).toMatch(/too old/i);
    await docker.close();
  });
});

describe.each(TEST_API_VERSIONS)("typed v1.10 endpoints at API %s", (apiVersion) => {
  let docker: DockerApi<paths>;
  const created: string[] = [];
  beforeAll(() => {
    docker = createDockerApi<paths>({ host: testDockerHost(), preferredVersion: "1.10", apiVersion });
  });
  afterAll(async () => {
    for (const id of created) {
      await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } } }).catch(() => {});
    }
    await docker.close();
  });

  async function createContainer(cmd: string[], name = uniqueName("fnd")): Promise<string> {
    const { data } = await docker.api.POST("/containers/create", {
      params: { query: { name } },
      body: { Image: testImage(), Cmd: cmd, NetworkDisabled: true, Tty: false },
    });
    expect(data?.Id).toMatch(/^[0-9a-f]{64}$/);
    created.push(data!.Id);
    return data!.Id;
  }

  it("ping, version, info", async () => {
    expect((await docker.api.GET("/_ping", { parseAs: "text" })).data).toBe("OK");
    const version = (await docker.api.GET("/version")).data;
    expect(version?.ApiVersion).toBe("1.41");
    const info = (await docker.api.GET("/info")).data;
    expect(typeof info?.Containers).toBe("number");
    expect(typeof info?.Images).toBe("number");
  });

  it("container lifecycle: create, inspect, start, top, changes, stop, restart, kill, wait, delete", async () => {
    const name = uniqueName("life");
    const id = await createContainer(["sh", "-c", "trap 'exit 7' TERM; echo started > /tmp/marker; while true; do sleep 0.1; done"], name);

    const inspected = (await docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).data;
    expect(inspected?.Name).toBe(`/${name}`);
    expect(inspected?.State?.Running).toBe(false);

    await docker.api.POST("/containers/{id}/start", { params: { path: { id } } });
    const running = (await docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).data;
    expect(running?.State?.Running).toBe(true);

    const listed = (await docker.api.GET("/containers/json", { params: { query: { all: false } } })).data ?? [];
    expect(listed.map((c) => c.Id)).toContain(id);

    const top = (await docker.api.GET("/containers/{id}/top", { params: { path: { id }, query: { ps_args: "" } } })).data;
    expect(top?.Titles?.length).toBeGreaterThan(0);
    expect(top?.Processes?.some((p) => p.join(" ").includes("sh"))).toBe(true);

    // Wait for the shell to write its marker, then the filesystem diff shows it.
    let changes: { Path?: string; Kind?: number }[] = [];
    for (let i = 0; i < 50 && !changes.some((c) => c.Path === "/tmp/marker"); i++) {
      changes = (await docker.api.GET("/containers/{id}/changes", { params: { path: { id } } })).data ?? [];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(changes).toContainEqual(expect.objectContaining({ Path: "/tmp/marker", Kind: 1 }));

    // The TTY-less container ignores resize's effect, but the endpoint answers.
    await docker.api.POST("/containers/{id}/resize", { params: { path: { id }, query: { h: 40, w: 100 } } });

    await docker.api.POST("/containers/{id}/stop", { params: { path: { id }, query: { t: 5 } } });
    const stopped = (await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data;
    expect(stopped?.StatusCode).toBe(7);

    await docker.api.POST("/containers/{id}/restart", { params: { path: { id }, query: { t: 1 } } });
    expect((await docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).data?.State?.Running).toBe(true);

    await docker.api.POST("/containers/{id}/kill", { params: { path: { id } } });
    const killed = (await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data;
    expect(killed?.StatusCode).toBe(137);

    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { v: true } } });
    await expect(docker.api.GET("/containers/{id}/json", { params: { path: { id } } })).rejects.toBeInstanceOf(NoSuchContainerError);
  });

  it("wait returns the exit code of a container that exits on its own", async () => {
    const id = await createContainer(["sh", "-c", "exit 42"]);
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } } });
    expect((await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data?.StatusCode).toBe(42);
  });

  it("typed errors for missing containers on every container verb", async () => {
    const id = `missing-${Date.now()}`;
    const calls: (() => Promise<unknown>)[] = [
      () => docker.api.GET("/containers/{id}/json", { params: { path: { id } } }),
      () => docker.api.POST("/containers/{id}/start", { params: { path: { id } } }),
      () => docker.api.POST("/containers/{id}/stop", { params: { path: { id } } }),
      () => docker.api.POST("/containers/{id}/kill", { params: { path: { id } } }),
      () => docker.api.POST("/containers/{id}/wait", { params: { path: { id } } }),
      () => docker.api.DELETE("/containers/{id}", { params: { path: { id } } }),
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchContainerError);
      expect((error as NoSuchContainerError).id).toBe(id);
    }
  });

  it("images: list, inspect, history, tag, delete", async () => {
    const images = (await docker.api.GET("/images/json", { params: { query: { all: false } } })).data ?? [];
    expect(images.some((i) => i.RepoTags?.includes(listedName(testImage())))).toBe(true);

    const inspected = (await docker.api.GET("/images/{name}/json", { params: { path: { name: testImage() } } })).data as Record<
      string,
      unknown
    >;
    // Newer daemons answer with `Id`; v1.10 daemons used `id` (normalized by the client layer).
    expect(inspected["Id"] ?? inspected["id"]).toMatch(/^(sha256:)?[0-9a-f]{64}$/);

    const history = (await docker.api.GET("/images/{name}/history", { params: { path: { name: testImage() } } })).data ?? [];
    expect(history.length).toBeGreaterThan(0);

    const repo = `berth-test/tagged-${apiVersion.replace(".", "-")}-${Date.now().toString(36)}`;
    await docker.api.POST("/images/{name}/tag", { params: { path: { name: testImage() }, query: { repo, tag: "v1", force: false } } });
    const tagged = (await docker.api.GET("/images/{name}/json", { params: { path: { name: `${repo}:v1` } } })).data as Record<
      string,
      unknown
    >;
    expect(tagged["Id"] ?? tagged["id"]).toBe(inspected["Id"] ?? inspected["id"]);
    const removed = (await docker.api.DELETE("/images/{name}", { params: { path: { name: `${repo}:v1` } } })).data ?? [];
    expect(removed).toContainEqual(expect.objectContaining({ Untagged: expect.stringContaining(repo) }));
    await expect(docker.api.GET("/images/{name}/json", { params: { path: { name: `${repo}:v1` } } })).rejects.toBeInstanceOf(
      NoSuchImageError,
    );
  });

  it("image search without internet fails with the daemon's typed error, promptly", async () => {
    const started = Date.now();
    const error = await docker.api.GET("/images/search", { params: { query: { term: "busybox" } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as DockerApiError).status).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("a missing image on create is NoSuchImageError", async () => {
    const error = await docker.api
      .POST("/containers/create", { body: { Image: "berth-test/does-not-exist:nope", Cmd: ["true"] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchImageError);
  });
});
