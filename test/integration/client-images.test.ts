/**
 * DockerClient image calls on the real daemon (build, import, tag/remove, history, search,
 * get/load), at each API version the suites pin. Registry calls: client-registry.test.ts.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient, type ProgressMessage } from "../../src/client/index.js";
import { DockerApiError, DockerStreamError, InvalidOptionError, MissingRepoError, NoSuchImageError } from "../../src/index.js";
import { TEST_API_VERSIONS, listedName, onPodman, testDockerHost, testImage, testRegistry, uniqueName } from "../helpers/daemon.js";
import { Created, chunked, filesOf, serve, tarOf, type LocalServer } from "./client.fixtures.js";

const noNetwork = { NetworkMode: "none" };

describe.each(TEST_API_VERSIONS)("DockerClient images at API %s", (apiVersion) => {
  let docker: DockerClient;
  let created: Created;
  let server: LocalServer;
  let rootfs: Uint8Array;

  beforeAll(async () => {
    docker = new DockerClient({ host: testDockerHost(), apiVersion });
    created = new Created(docker);
    rootfs = await tarOf({ "hello.txt": "imported\n", "etc/motd": "berth\n" });
    server = await serve({
      "/rootfs.tar": rootfs,
      "/context.tar": await tarOf({ Dockerfile: `FROM ${testImage()}\nRUN echo remote > /remote.txt\n` }),
      "/v1/_ping": {},
      "/v1/search": {
        num_results: 1,
        query: "thing",
        results: [{ name: "berth/thing", description: "a thing", star_count: 3, is_official: false, is_automated: true }],
      },
    });
  });
  afterAll(async () => {
    await created.removeAll();
    await server.close();
    await docker.close();
  });

  /** Reads a file of an image by copying it out of a container that is never started. */
  async function readFile(image: string, path: string): Promise<string | undefined> {
    const c = created.container(
      await docker.createContainer({ config: { Image: image, Cmd: ["true"], NetworkDisabled: true }, hostConfig: noNetwork }),
    );
    const files = await filesOf(await docker.copyFromContainer({ id: c.Id, resource: path }).bytes());
    await docker.removeContainer({ id: c.Id });
    created.containers.delete(c.Id);
    return files.get(path.split("/").pop()!);
  }

  it("builds from an in-memory tar context, streaming typed messages", async () => {
    const name = created.image(`${uniqueName("build")}:v1`);
    const context = await tarOf({
      Dockerfile: `FROM ${testImage()}\nRUN echo hi > /x\nCOPY a.txt /a.txt\n`,
      "a.txt": "from the context\n",
    });
    const operation = docker.buildImage({ context: Readable.from(chunked(context, 512)), name, rmTmpContainer: true, noCache: true });
    const messages: ProgressMessage[] = [];
    for await (const message of operation) messages.push(message);
    const { imageId } = await operation;
    const output = messages.map((m) => m.stream ?? "").join("");
    // dockerd: "Step 2/3 : RUN", podman (buildah): "STEP 2/3: RUN"
    expect(output).toMatch(onPodman() ? /STEP 2\/3: RUN echo hi > \/x/ : /Step 2\/3 : RUN echo hi > \/x/);
    expect(imageId).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    const image = await docker.inspectImage({ name });
    expect(image.id).toBe(imageId);
    expect(await readFile(name, "/x")).toBe("hi\n");
    expect(await readFile(name, "/a.txt")).toBe("from the context\n");

    const history = await docker.imageHistory({ name });
    expect(history[0]?.Id).toBe(imageId);
    expect(history.map((h) => h.CreatedBy ?? "").join("\n")).toContain("echo hi > /x");
  });

  it("builds quietly from a web stream, when only awaited", async () => {
    const context = await tarOf({ Dockerfile: `FROM ${testImage()}\nRUN echo quiet > /q\n` });
    const { imageId } = await docker.buildImage({
      context: new Blob([context as Uint8Array<ArrayBuffer>]).stream(),
      quiet: true,
      noCache: true,
    });
    created.image(imageId);
    expect((await docker.inspectImage({ name: imageId })).id).toBe(imageId);
  });

  it("builds from a remote URL", async () => {
    const name = created.image(`${uniqueName("remote")}:latest`);
    if (onPodman()) {
      // podman 4.3 takes a remote context for a Dockerfile or a git URL, not a tar archive
      await expect(docker.buildImage({ remote: `${server.url}/context.tar`, name })).rejects.toMatchObject({
        name: "DockerStreamError",
        message: expect.stringMatching(/Dockerfile: no such file or directory/),
      });
      return;
    }
    const { imageId } = await docker.buildImage({ remote: `${server.url}/context.tar`, name });
    expect((await docker.inspectImage({ name })).id).toBe(imageId);
    expect(await readFile(name, "/remote.txt")).toBe("remote\n");
  });

  it("rejects with DockerStreamError when a build step fails", async () => {
    const context = await tarOf({ Dockerfile: `FROM ${testImage()}\nRUN exit 3\n` });
    const failing = docker.buildImage({ context, forceRmTmpContainer: true });
    await expect(failing).rejects.toBeInstanceOf(DockerStreamError);
    // podman: no errorDetail.code, "building at STEP "RUN exit 3": ... exit status 3"
    await expect(docker.buildImage({ context, forceRmTmpContainer: true })).rejects.toMatchObject(
      onPodman()
        ? { detailCode: undefined, message: expect.stringMatching(/exit status 3/) }
        : { detailCode: 3, message: expect.stringMatching(/non-zero code: 3/) },
    );
    // The loop sees the messages before the failure, then the same error.
    const seen: ProgressMessage[] = [];
    const loop = (async () => {
      for await (const message of docker.buildImage({ context, forceRmTmpContainer: true })) seen.push(message);
    })();
    await expect(loop).rejects.toBeInstanceOf(DockerStreamError);
    expect(seen.some((m) => m.stream?.includes("RUN exit 3"))).toBe(true);
    await expect(docker.buildImage({})).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("imports a filesystem archive from a stream and from a URL", async () => {
    const fromStream = created.image(`${uniqueName("import")}:stream`);
    const [repository, tag] = fromStream.split(":") as [string, string];
    const streamed = await docker.importImage({ input: Readable.from(chunked(rootfs, 700)), repository, tag });
    expect(streamed.imageId).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    expect((await docker.inspectImage({ name: fromStream })).id).toBe(streamed.imageId);
    expect(await readFile(fromStream, "/hello.txt")).toBe("imported\n");

    const fromUrl = created.image(`${repository}:url`);
    const messages: ProgressMessage[] = [];
    const operation = docker.importImage({ url: `${server.url}/rootfs.tar`, repository, tag: "url" });
    for await (const message of operation) messages.push(message);
    expect(server.requests).toContain("/rootfs.tar");
    expect((await operation).imageId).toBe((await docker.inspectImage({ name: fromUrl })).id);
    expect(await readFile(fromUrl, "/etc/motd")).toBe("berth\n");

    // dockerd names the 404 of the URL; podman 4.3 reads the error page as a tar (500, "unable to import tarball")
    await expect(docker.importImage({ url: `${server.url}/missing.tar`, repository, tag: "missing" })).rejects.toMatchObject({
      message: expect.stringMatching(onPodman() ? /unable to import tarball/ : /404/),
    });
  });

  it("tags and removes images", async () => {
    const repo = uniqueName("tag");
    await docker.tagImage({ name: testImage(), repo, tag: "one" });
    created.image(`${repo}:one`);
    await docker.tagImage({ name: testImage(), repo: `${repo}:two` });
    created.image(`${repo}:two`);
    const listed = (await docker.listImages()).find((i) => i.RepoTags.includes(listedName(`${repo}:one`)));
    expect(listed?.RepoTags).toEqual(expect.arrayContaining([`${repo}:one`, `${repo}:two`, testImage()].map(listedName)));
    expect((await docker.inspectImage({ name: `${repo}:two` })).id).toBe(listed?.Id);

    expect(await docker.removeImage({ name: `${repo}:one` })).toEqual([{ Untagged: listedName(`${repo}:one`) }]);
    expect(await docker.removeImage({ name: `${repo}:two`, noPrune: true })).toEqual([{ Untagged: listedName(`${repo}:two`) }]);
    await expect(docker.removeImage({ name: `${repo}:two` })).rejects.toBeInstanceOf(NoSuchImageError);
    await expect(docker.inspectImage({ name: `${repo}:one` })).rejects.toMatchObject({ name: "NoSuchImageError", image: `${repo}:one` });
    await expect(docker.tagImage({ name: testImage(), repo: "" })).rejects.toBeInstanceOf(MissingRepoError);
  });

  it("normalizes image inspect and list to the v1.10 shape", async () => {
    const image = await docker.inspectImage({ name: testImage() });
    expect(image.id).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    expect(image).not.toHaveProperty("Id");
    expect(image).toHaveProperty("container_config");
    expect(image).not.toHaveProperty("ContainerConfig");
    expect(image.comment).toBe("berth-test-image");
    // Fields only newer daemons send are kept.
    expect(image["RepoTags"]).toContain(listedName(testImage()));
    for (const entry of await docker.listImages({ all: true })) {
      expect(Array.isArray(entry.RepoTags)).toBe(true);
      expect(entry.RepoTags).not.toContain("<none>:<none>");
    }
  });

  it("searches a registry index", async () => {
    if (onPodman()) {
      // podman 4.3 searches v2 registries only (their catalog; "can't talk to a V1 container
      // registry" for the test's v1 index), and answers in libpod's keys, which berth reads
      // into Docker's (docs/podman.md): the local registry, listed insecure for it, is searched
      const name = `${testRegistry()}/${uniqueName(`search-${apiVersion.replace(".", "-")}`)}`;
      await docker.tagImage({ name: testImage(), repo: name, tag: "v1" });
      created.image(`${name}:v1`);
      await docker.pushImage({ name, tag: "v1" });
      const results = await docker.searchImages({ term: name });
      expect(results).toEqual([
        expect.objectContaining({ name, description: "", star_count: 0, is_official: false, is_trusted: false, Index: testRegistry() }),
      ]);
      return;
    }
    const host = server.url.replace("http://", "");
    const results = await docker.searchImages({ term: `${host}/thing` });
    expect(results).toEqual([expect.objectContaining({ name: "berth/thing", description: "a thing", star_count: 3, is_trusted: true })]);
    expect(results[0]).not.toHaveProperty("is_automated");
  });

  it("exports a repository as a tar archive and loads it back", async () => {
    const repo = uniqueName("getload");
    const { imageId } = await docker.importImage({ input: rootfs, repository: repo, tag: "v1" });
    created.image(`${repo}:v1`);
    const archive = await docker.exportImage({ name: `${repo}:v1` }).bytes();
    const files = await filesOf(archive);
    expect([...files.keys()].some((name) => name === "repositories" || name === "manifest.json")).toBe(true);
    await docker.removeImage({ name: `${repo}:v1` });
    await expect(docker.inspectImage({ name: `${repo}:v1` })).rejects.toBeInstanceOf(NoSuchImageError);

    const loaded = await docker.loadImage({ input: archive });
    expect(loaded.images).toContain(listedName(`${repo}:v1`));
    expect((await docker.inspectImage({ name: `${repo}:v1` })).id).toBe(imageId);

    // dockerd reports it in the load stream, podman 4.3 as an HTTP 500
    await expect(docker.loadImage({ input: new TextEncoder().encode("not a tar archive") })).rejects.toBeInstanceOf(
      onPodman() ? DockerApiError : DockerStreamError,
    );
  });
});
