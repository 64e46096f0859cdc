/**
 * DockerClient's attach, logs and event-listener methods (wired onto the modules of their own
 * issues) at each API version the suites cover.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient, ListenerAlreadyExistsError, type EventItem } from "../../src/index.js";
import { TEST_API_VERSIONS, onPodman, testDockerHost, testImage, uniqueName } from "../helpers/daemon.js";

const text = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));

describe.each(TEST_API_VERSIONS)("DockerClient attach/logs/events at API %s", (apiVersion) => {
  let docker: DockerClient;
  const created: string[] = [];
  beforeAll(() => {
    docker = new DockerClient({ host: testDockerHost(), apiVersion });
  });
  afterAll(async () => {
    for (const id of created) await docker.removeContainer({ id, force: true }).catch(() => {});
    await docker.close();
  });

  it("attachToContainer: echo through cat with stdin half-close, then logs of the same run", async () => {
    const { Id: id } = await docker.createContainer({
      name: uniqueName("wire"),
      config: {
        Image: testImage(),
        Cmd: ["cat"],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        NetworkDisabled: true,
      },
    });
    created.push(id);
    const session = await docker.attachToContainer({ container: id, stream: true, stdin: true, stdout: true, stderr: true });
    await docker.startContainer({ id });
    const writer = session.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hi from berth\n"));
    await writer.close();
    const out: Uint8Array[] = [];
    for await (const frame of session.frames()) out.push(frame.data);
    expect(text(out)).toBe("hi from berth\n");
    expect(await docker.waitContainer({ id })).toBe(0);

    const logs = await docker.containerLogs({ container: id, stdout: true, stderr: true });
    const logged: Uint8Array[] = [];
    for await (const chunk of logs) logged.push(chunk.data);
    expect(text(logged)).toBe("hi from berth\n");
  });

  it("addEventListener / removeEventListener with the Go semantics, over the client's one stream", async () => {
    const seen: string[] = [];
    const name = uniqueName("evt");
    const listener = (item: EventItem) => {
      if ("action" in item && item.actor.attributes["name"] === name) seen.push(item.action);
    };
    docker.addEventListener(listener);
    expect(() => docker.addEventListener(listener)).toThrow(ListenerAlreadyExistsError);
    const { Id: id } = await docker.createContainer({ name, config: { Image: testImage(), Cmd: ["true"], NetworkDisabled: true } });
    await docker.startContainer({ id });
    await docker.waitContainer({ id });
    await docker.removeContainer({ id });
    // podman 4.3: create, init, start, die, cleanup, remove (docs/podman.md)
    const last = onPodman() ? "remove" : "destroy";
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual(expect.arrayContaining(["create", "start", "die", last]));
    expect(seen.indexOf("create")).toBeLessThan(seen.indexOf(last));
    expect(docker.removeEventListener(listener)).toBe(true);
    expect(docker.removeEventListener(listener)).toBe(false);
  });
});
