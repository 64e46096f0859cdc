/**
 * DockerClient push, pull and auth through the two local registries (open and basic-auth),
 * at each API version the suites pin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient, type ProgressMessage } from "../../src/client/index.js";
import { DockerApiError, DockerStreamError, MissingRepoError, NoSuchImageError, isDockerError } from "../../src/index.js";
import {
  TEST_API_VERSIONS,
  testAuthRegistry,
  testDockerHost,
  testImage,
  testRegistry,
  testRegistryCredentials,
  onPodman,
} from "../helpers/daemon.js";
import { Created } from "./client.fixtures.js";

/** A repository path unique to this run and version. */
function repoPath(apiVersion: string): string {
  return `berth-test/client-${process.pid}-${apiVersion.replace(".", "-")}-${Math.random().toString(36).slice(2, 7)}`;
}

describe.each(TEST_API_VERSIONS)("DockerClient registry calls at API %s", (apiVersion) => {
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

  it("pushes to and pulls from the open registry", async () => {
    const repository = `${testRegistry()}/${repoPath(apiVersion)}`;
    await docker.tagImage({ name: testImage(), repo: repository, tag: "v1" });
    created.image(`${repository}:v1`);

    const push = docker.pushImage({ name: repository, tag: "v1" });
    const messages: ProgressMessage[] = [];
    for await (const message of push) messages.push(message);
    const pushed = await push;
    expect(messages.some((m) => m.status?.includes("The push refers to repository"))).toBe(true);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    await docker.removeImage({ name: `${repository}:v1` });
    await expect(docker.inspectImage({ name: `${repository}:v1` })).rejects.toBeInstanceOf(NoSuchImageError);

    const pulled = await docker.pullImage({ repository, tag: "v1" });
    expect(pulled.image).toBe(`${repository}:v1`);
    if (onPodman()) {
      // podman 4.3's pull stream ends with the layers: no "Digest:" nor "Status:" line. berth
      // looks for the digest in the image's RepoDigests (docs/podman.md); this image is the test
      // image, kept locally, and podman lists its own digest for the repository beside the one
      // pushed: which one the pull used is unknown, so none is claimed. (A fresh pull has one:
      // generic-client.test.ts.)
      expect(pulled).toEqual({ image: `${repository}:v1` });
      const { RepoDigests } = (await docker.inspectImage({ name: `${repository}:v1` })) as { RepoDigests?: string[] };
      expect(RepoDigests).toContain(`${repository}@${pushed.digest}`);
      expect(RepoDigests?.filter((d) => d.startsWith(`${repository}@`)).length).toBeGreaterThan(1);
    } else {
      expect(pulled.digest).toBe(pushed.digest);
      expect(pulled.status).toMatch(/Downloaded newer image|Image is up to date/);
    }
    expect((await docker.inspectImage({ name: `${repository}:v1` })).id).toBe((await docker.inspectImage({ name: testImage() })).id);

    // `registry` is prefixed to the repository; a tag inside the reference is honoured.
    const again = await docker.pullImage({ repository: `${repository.slice(testRegistry().length + 1)}:v1`, registry: testRegistry() });
    expect(again.image).toBe(`${repository}:v1`);
    if (!onPodman()) expect(again.status).toMatch(/Image is up to date/);
  });

  it("fails a pull of a missing image with NoSuchImageError", async () => {
    const repository = `${testRegistry()}/${repoPath(apiVersion)}-missing`;
    if (onPodman()) {
      // podman answers 200 and reports the missing manifest inside the stream
      await expect(docker.pullImage({ repository, tag: "nope" })).rejects.toMatchObject({
        name: "DockerStreamError",
        message: expect.stringMatching(/manifest unknown/),
      });
      return;
    }
    await expect(docker.pullImage({ repository, tag: "nope" })).rejects.toBeInstanceOf(NoSuchImageError);
  });

  it("refuses a push without a repository before sending anything", async () => {
    await expect(docker.pushImage({ name: "" })).rejects.toBeInstanceOf(MissingRepoError);
    await expect(docker.pullImage({ repository: " " })).rejects.toBeInstanceOf(MissingRepoError);
  });

  it("pushes to and pulls from the registry that needs credentials", async () => {
    const registry = testAuthRegistry();
    const repository = `${registry}/${repoPath(apiVersion)}`;
    const auth = { ...testRegistryCredentials(), serveraddress: registry };
    await docker.tagImage({ name: testImage(), repo: repository, tag: "v1" });
    created.image(`${repository}:v1`);

    const wrong = { ...auth, password: "not-the-password" };
    const refused = docker.pushImage({ name: `${repository}:v1`, auth: wrong });
    await expect(refused).rejects.toBeInstanceOf(DockerStreamError);
    await expect(docker.pushImage({ name: `${repository}:v1`, auth: wrong })).rejects.toMatchObject({
      message: expect.stringMatching(/unauthorized|authentication required/i),
    });
    // Without credentials: the empty X-Registry-Auth the client always sends gets the same in-stream refusal.
    await expect(docker.pushImage({ name: `${repository}:v1` })).rejects.toBeInstanceOf(DockerStreamError);

    const pushed = await docker.pushImage({ name: `${repository}:v1`, auth });
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    await docker.removeImage({ name: `${repository}:v1` });

    // A refused pull is answered before any progress: an HTTP error, not a stream error.
    const pullError = await docker.pullImage({ repository, tag: "v1", auth: wrong }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDockerError(pullError)).toBe(true);
    if (onPodman()) {
      // podman reports it inside the stream
      expect(pullError).toBeInstanceOf(DockerStreamError);
      expect((pullError as Error).message).toMatch(/unauthorized|authentication required/i);
    } else {
      expect(pullError).toBeInstanceOf(DockerApiError);
      expect((pullError as DockerApiError).daemonMessage).toMatch(/unauthorized|authentication required/i);
    }

    const pulled = await docker.pullImage({ repository, tag: "v1", auth });
    if (!onPodman()) expect(pulled.digest).toBe(pushed.digest);
    expect((await docker.inspectImage({ name: `${repository}:v1` })).id).toBe((await docker.inspectImage({ name: testImage() })).id);
  });

  it("checks credentials against the registry", async () => {
    let registry = testAuthRegistry();
    if (onPodman()) {
      // podman 4.3's /auth dials HTTPS whatever registries.conf says, except for "localhost:"
      // addresses, which it takes for local testing
      await expect(docker.checkAuth({ auth: { ...testRegistryCredentials(), serveraddress: registry } })).rejects.toMatchObject({
        status: 500,
        daemonMessage: expect.stringMatching(/HTTP response to HTTPS client/),
      });
      registry = registry.replace("127.0.0.1", "localhost");
    }
    const accepted = await docker.checkAuth({ auth: { ...testRegistryCredentials(), serveraddress: registry } });
    expect(accepted.Status).toMatch(/Login Succeeded/);
    const refused = docker.checkAuth({ auth: { ...testRegistryCredentials(), password: "wrong", serveraddress: registry } });
    await expect(refused).rejects.toBeInstanceOf(DockerApiError);
    await expect(
      docker.checkAuth({ auth: { ...testRegistryCredentials(), password: "wrong", serveraddress: registry } }),
    ).rejects.toMatchObject({
      daemonMessage: expect.stringMatching(/401|unauthorized/i),
    });
  });
});
