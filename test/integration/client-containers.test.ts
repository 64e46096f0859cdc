/**
 * DockerClient container calls on the real daemon, at each API version the suites pin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChangeType,
  DockerClient,
  HostConfigAtStartUnsupportedError,
  InvalidPortSpecError,
  InvalidSignalError,
  MissingIdError,
  NoSuchPathError,
  Port,
  Signal,
  changeKindName,
  portMappingAPI,
  type CreateContainerConfig,
} from "../../src/client/index.js";
import { NoSuchContainerError, NoSuchImageError } from "../../src/index.js";
import { TEST_API_VERSIONS, onPodman, testDockerHost, testImage, uniqueName } from "../helpers/daemon.js";
import { Created, filesOf } from "./client.fixtures.js";

/** A configuration that cannot reach any network. */
function config(cmd: string[], extra: Partial<CreateContainerConfig> = {}): CreateContainerConfig {
  return { Image: testImage(), Cmd: cmd, NetworkDisabled: true, ...extra };
}
const noNetwork = { NetworkMode: "none" };

// A shell as PID 1 that writes a file, then waits; USR1 makes it exit 7 (PID 1 has no default
// signal actions, so only trapped signals and SIGKILL end it).
const WAITER = ["sh", "-c", 'echo hello > /written.txt; trap "exit 7" USR1; while true; do sleep 0.2; done'];

describe.each(TEST_API_VERSIONS)("DockerClient containers at API %s", (apiVersion) => {
  let docker: DockerClient;
  let created: Created;

  beforeAll(() => {
    docker = new DockerClient({ host: testDockerHost(), apiVersion });
    created = new Created(docker);
  });
  afterAll(async () => {
    await created.removeAll();
    await docker.close();
  });

  it("pings, and reports info and version", async () => {
    expect(await docker.ping()).toBe("OK");
    const version = await docker.version();
    expect(version.Version).toMatch(/^\d+\.\d+/);
    const info = await docker.info();
    expect(typeof info.Containers).toBe("number");
    expect(typeof info.Debug).toBe("boolean");
    expect(await docker.apiVersion()).toBe(apiVersion);
  });

  it("runs a container through its lifecycle", async () => {
    const name = uniqueName("life");
    const { Id: id, Warnings } = created.container(await docker.createContainer({ name, config: config(WAITER), hostConfig: noNetwork }));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(Warnings).toEqual([]);

    const before = await docker.inspectContainer({ id: name });
    expect(before.Id).toBe(id);
    expect(before.Name).toBe(`/${name}`);
    expect(before.State?.Running).toBe(false);
    expect(before.Config?.Cmd).toEqual(WAITER);

    const all = await docker.listContainers({ all: true });
    const listed = all.find((c) => c.Id === id);
    expect(listed?.Names).toContain(`/${name}`);
    expect(Array.isArray(listed?.Ports)).toBe(true);
    expect((await docker.listContainers()).some((c) => c.Id === id)).toBe(false);

    await docker.startContainer({ id });
    // A second start is not an error at any version (newer daemons answer 304).
    await docker.startContainer({ id });
    expect((await docker.listContainers()).some((c) => c.Id === id)).toBe(true);
    const running = await docker.inspectContainer({ id });
    expect(running.State?.Running).toBe(true);
    expect(running.NetworkSettings).toBeDefined();
    expect(portMappingAPI(running.NetworkSettings)).toEqual([]);

    const top = await docker.topContainer({ id });
    // podman sends each ps line unsplit; berth splits it into the same columns
    expect(top.Titles).toContain("PID");
    expect(top.Processes.every((row) => row.length === top.Titles.length)).toBe(true);
    expect(top.Processes.length).toBeGreaterThan(0);

    await expect
      .poll(async () => (await docker.containerChanges({ id })).map((c) => [changeKindName(c.Kind), c.Path]))
      .toContainEqual(["Add", "/written.txt"]);

    await docker.killContainer({ id, killSignal: "SIGUSR1" });
    expect(await docker.waitContainer({ id })).toBe(7);

    await docker.restartContainer({ id, timeout: 1 });
    expect((await docker.inspectContainer({ id })).State?.Running).toBe(true);
    await docker.killContainer({ id, killSignal: "usr1" });
    expect(await docker.waitContainer({ id })).toBe(7);

    await docker.startContainer({ id });
    await docker.stopContainer({ id, timeout: 1 });
    const stopped = await docker.inspectContainer({ id });
    expect(stopped.State?.Running).toBe(false);
    expect(stopped.State?.ExitCode).toBe(137);
    // Stopping a stopped container is not an error.
    await docker.stopContainer({ id, timeout: 1 });

    await docker.removeContainer({ id, removeVolumes: true });
    created.containers.delete(id);
    await expect(docker.inspectContainer({ id })).rejects.toBeInstanceOf(NoSuchContainerError);
  });

  it("kills with a signal number and with SIGKILL by default", async () => {
    const a = created.container(await docker.createContainer({ config: config(WAITER), hostConfig: noNetwork }));
    await docker.startContainer({ id: a.Id });
    await docker.killContainer({ id: a.Id, killSignal: Signal.SIGUSR1 });
    expect(await docker.waitContainer({ id: a.Id })).toBe(7);
    await docker.startContainer({ id: a.Id });
    await docker.killContainer({ id: a.Id });
    expect(await docker.waitContainer({ id: a.Id })).toBe(128 + Signal.SIGKILL);
    await docker.removeContainer({ id: a.Id, force: true });
  });

  it("removes a running container only with force", async () => {
    const c = created.container(await docker.createContainer({ config: config(WAITER), hostConfig: noNetwork }));
    await docker.startContainer({ id: c.Id });
    // dockerd: 409 Conflict; podman 4.3: 500 "container state improper" (docs/podman.md)
    await expect(docker.removeContainer({ id: c.Id })).rejects.toMatchObject({ status: onPodman() ? 500 : 409 });
    await docker.removeContainer({ id: c.Id, force: true });
    await expect(docker.inspectContainer({ id: c.Id })).rejects.toMatchObject({ name: "NoSuchContainerError", id: c.Id });
  });

  it("applies a host configuration given to create, and one given to start", async () => {
    const c = created.container(
      await docker.createContainer({
        config: config(["sleep", "30"], { ExposedPorts: { "80/tcp": {} } }),
        hostConfig: { ...noNetwork, Dns: ["192.0.2.1"] },
      }),
    );
    expect((await docker.inspectContainer({ id: c.Id })).HostConfig?.Dns).toEqual(["192.0.2.1"]);
    if (onPodman()) {
      // podman 4.3 accepts API 1.12 but ignores a start body; from 1.24 (its minimum) berth
      // refuses the option before sending, as it would with a dockerd of minimum 1.24.
      const start = docker.startContainer({ id: c.Id, hostConfig: { Dns: ["192.0.2.2"] } });
      if (apiVersion === "1.12") {
        await start;
        expect((await docker.inspectContainer({ id: c.Id })).HostConfig?.Dns).toEqual(["192.0.2.1"]);
      } else {
        await expect(start).rejects.toBeInstanceOf(HostConfigAtStartUnsupportedError);
      }
      await docker.removeContainer({ id: c.Id, force: true });
      return;
    }
    // The Go client's StartContainer(id, hostConfig): refused as such from API 1.24, still applied.
    await docker.startContainer({ id: c.Id, hostConfig: { Dns: ["192.0.2.2"], Binds: ["/tmp:/host-tmp:ro"] } });
    const started = await docker.inspectContainer({ id: c.Id });
    expect(started.State?.Running).toBe(true);
    expect(started.HostConfig?.Dns).toEqual(["192.0.2.2"]);
    expect(started.HostConfig?.Binds).toEqual(["/tmp:/host-tmp:ro"]);
    // What create set and start did not mention is kept.
    expect(started.HostConfig?.["NetworkMode"]).toBe("none");
    await docker.removeContainer({ id: c.Id, force: true });
  });

  it("moves the v1.9 Config.Dns to HostConfig.Dns", async () => {
    const c = created.container(await docker.createContainer({ config: config(["true"], { Dns: ["192.0.2.9"] }), hostConfig: noNetwork }));
    expect((await docker.inspectContainer({ id: c.Id })).HostConfig?.Dns).toEqual(["192.0.2.9"]);
  });

  it("exports a container's filesystem as a tar stream", async () => {
    const c = created.container(
      await docker.createContainer({ config: config(["sh", "-c", "echo exported > /exported.txt"]), hostConfig: noNetwork }),
    );
    await docker.startContainer({ id: c.Id });
    expect(await docker.waitContainer({ id: c.Id })).toBe(0);
    const stream = await docker.exportContainer({ id: c.Id });
    const files = await filesOf(stream);
    expect(files.get("exported.txt")).toBe("exported\n");
    expect(files.has("bin/busybox")).toBe(true);
    // The other consumers see the same archive.
    const bytes = await docker.exportContainer({ id: c.Id }).bytes();
    expect((await filesOf(bytes)).get("exported.txt")).toBe("exported\n");
  });

  it("copies a file out of a container as a tar archive", async () => {
    const c = created.container(
      await docker.createContainer({ config: config(["sh", "-c", "mkdir /d; echo copied > /d/c.txt"]), hostConfig: noNetwork }),
    );
    await docker.startContainer({ id: c.Id });
    await docker.waitContainer({ id: c.Id });
    const files = await filesOf(await docker.copyFromContainer({ id: c.Id, resource: "/d/c.txt" }).bytes());
    expect([...files]).toEqual([["c.txt", "copied\n"]]);
    const dir = await filesOf(await docker.copyFromContainer({ id: c.Id, resource: "/d" }).stream());
    expect(dir.get("d/c.txt")).toBe("copied\n");
    await expect(docker.copyFromContainer({ id: c.Id, resource: "/nothere" }).bytes()).rejects.toBeInstanceOf(NoSuchPathError);
    await expect(docker.copyFromContainer({ id: "berth-no-such-container", resource: "/" }).bytes()).rejects.toBeInstanceOf(
      NoSuchContainerError,
    );
  });

  it("commits a container into an image, with message, author and run config", async () => {
    const c = created.container(
      await docker.createContainer({ config: config(["sh", "-c", "echo committed > /c.txt"]), hostConfig: noNetwork }),
    );
    await docker.startContainer({ id: c.Id });
    await docker.waitContainer({ id: c.Id });
    const repository = created.image(uniqueName("commit"));
    created.image(`${repository}:v1`);
    const { Id } = await docker.commitContainer({
      container: c.Id,
      repository,
      tag: "v1",
      message: "berth commit",
      author: "berth <berth@example.org>",
      run: { Cmd: ["cat", "/c.txt"], Env: ["COMMITTED=1"] },
    });
    const image = await docker.inspectImage({ name: `${repository}:v1` });
    expect(image.id).toBe(Id);
    expect(image.comment).toBe("berth commit");
    expect(image.author).toBe("berth <berth@example.org>");
    if (onPodman()) {
      // podman 4.3 ignores the run configuration (the body) of a commit: the container's stays
      expect(image.config?.Cmd).toEqual(["sh", "-c", "echo committed > /c.txt"]);
      expect(image.config?.Env ?? []).not.toContain("COMMITTED=1");
    } else {
      expect(image.config?.Cmd).toEqual(["cat", "/c.txt"]);
      expect(image.config?.Env).toContain("COMMITTED=1");
    }
    expect(image.container).toBe(c.Id);
    const run = created.container(await docker.createContainer({ config: { Image: Id, NetworkDisabled: true }, hostConfig: noNetwork }));
    await docker.startContainer({ id: run.Id });
    expect(await docker.waitContainer({ id: run.Id })).toBe(0);
    await docker.removeImage({ name: `${repository}:v1`, force: true });
  });

  it("resizes the TTY of a running container", async () => {
    const c = created.container(
      await docker.createContainer({ config: config(["sleep", "30"], { Tty: true, OpenStdin: true }), hostConfig: noNetwork }),
    );
    await docker.startContainer({ id: c.Id });
    await docker.resizeContainerTTY({ id: c.Id, height: 40, width: 100 });
    await docker.removeContainer({ id: c.Id, force: true });
  });

  it("filters the list with limit, since and before", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(created.container(await docker.createContainer({ config: config(["true"]), hostConfig: noNetwork })).Id);
    const [first, second, third] = ids as [string, string, string];
    const since = (await docker.listContainers({ all: true, since: first })).map((c) => c.Id);
    expect(since).toEqual(expect.arrayContaining([second, third]));
    expect(since).not.toContain(first);
    const before = (await docker.listContainers({ all: true, before: third })).map((c) => c.Id);
    expect(before).toEqual(expect.arrayContaining([first, second]));
    expect(before).not.toContain(third);
    expect(await docker.listContainers({ all: true, limit: 1 })).toHaveLength(1);
  });

  it("refuses bad options before sending anything, and maps 404s", async () => {
    await expect(docker.inspectContainer({ id: "" })).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.killContainer({ id: "x", killSignal: "SIGNOPE" })).rejects.toBeInstanceOf(InvalidSignalError);
    await expect(docker.createContainer({ config: config(["true"], { ExposedPorts: { "http/tcp": {} } }) })).rejects.toBeInstanceOf(
      InvalidPortSpecError,
    );
    await expect(
      docker.createContainer({ config: { Image: "berth-test/no-such-image:latest", NetworkDisabled: true } }),
    ).rejects.toBeInstanceOf(NoSuchImageError);
    await expect(docker.waitContainer({ id: "berth-no-such-container" })).rejects.toMatchObject({
      name: "NoSuchContainerError",
      status: 404,
    });
    expect(Port.parse("8080").protocol).toBe("tcp");
    expect(ChangeType.Add).toBe(1);
  });
});
