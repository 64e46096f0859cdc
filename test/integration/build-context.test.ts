/**
 * `tarDirectory` / `openBuildContext` against the real daemon: the streamed archive is accepted
 * by `POST /build`, and what the build sees in `COPY . /ctx` is what `.dockerignore` allows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBuildContext } from "../../src/build-context/tar-directory.js";
import { foldProgress, type ProgressMessage } from "../../src/progress/fold.js";
import { onPodman, rawTestApi, testImage, uniqueName } from "../helpers/daemon.js";

/** The JSON lines of a progress response body. */
async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<ProgressMessage> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield JSON.parse(line) as ProgressMessage;
    }
  }
  if (pending.trim()) yield JSON.parse(pending) as ProgressMessage;
}

const api = rawTestApi({ apiVersion: "1.41" });
const roots: string[] = [];
const images: string[] = [];
afterAll(async () => {
  for (const image of images)
    await api.api.DELETE("/images/{name}", { params: { path: { name: image }, query: { force: true } } }).catch(() => {});
  await api.close();
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function write(root: string, rel: string, content: string, mode = 0o644): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
}

/** Builds `dir` through the low-level API; returns the build output text and the image id. */
async function build(dir: string, options: { dockerfile?: string } = {}): Promise<{ output: string; imageId: string | undefined }> {
  const context = await openBuildContext(dir, options);
  const tag = `berth-test/build-context:${uniqueName("bc").replace(/[^a-z0-9-]/g, "")}`;
  images.push(tag);
  const { data } = await api.api.POST("/build", {
    params: { query: { t: tag, rm: true, forcerm: true, dockerfile: context.dockerfile } },
    headers: { "Content-Type": "application/x-tar" },
    body: context.body,
    bodySerializer: (body: unknown) => body,
    parseAs: "stream",
  });
  let output = "";
  let imageId: string | undefined;
  const messages = async function* () {
    for await (const message of jsonLines(data as ReadableStream<Uint8Array>)) {
      if (typeof message.stream === "string") output += message.stream;
      yield message;
    }
  };
  for await (const snapshot of foldProgress(messages(), { finalOnly: true })) imageId = snapshot.result.imageId;
  return { output, imageId };
}

describe("POST /build with a streamed directory context", () => {
  it("the daemon accepts the archive; ignored files are absent, excepted ones present, modes and symlinks kept", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "berth-build-ctx-"));
    roots.push(root);
    write(
      root,
      "Dockerfile",
      `FROM ${testImage()}\nCOPY . /ctx\nRUN ls /ctx\nRUN find /ctx | sort | sed 's/^/found: /'\nRUN stat -c 'mode: %a %n' /ctx/run.sh && echo "link: $(readlink /ctx/link)"\n`,
    );
    write(root, ".dockerignore", "*.log\n!keep.log\nsecret\n**/*.tmp\n!sub/keep.tmp\nDockerfile\n.dockerignore\n");
    write(root, "a.txt", "a\n");
    write(root, "app.log", "ignored\n");
    write(root, "keep.log", "excepted\n");
    write(root, "run.sh", "#!/bin/sh\n", 0o755);
    write(root, "secret/key", "never sent\n");
    write(root, "sub/x.tmp", "ignored\n");
    write(root, "sub/keep.tmp", "excepted\n");
    write(root, "sub/deeper/z.txt", "z\n");
    fs.symlinkSync("a.txt", path.join(root, "link"));

    const { output, imageId } = await build(root);
    const found = output
      .split("\n")
      .filter((line) => line.startsWith("found: "))
      .map((line) => line.slice("found: ".length));
    expect(found).toEqual([
      "/ctx",
      "/ctx/a.txt",
      "/ctx/keep.log",
      "/ctx/link",
      "/ctx/run.sh",
      "/ctx/sub",
      "/ctx/sub/deeper",
      "/ctx/sub/deeper/z.txt",
      "/ctx/sub/keep.tmp",
    ]);
    // The Dockerfile and .dockerignore were sent (the build ran) but the daemon drops them from
    // the context because .dockerignore lists them.
    expect(output).toMatch(/mode: 755 \/ctx\/run\.sh/);
    expect(output).toMatch(/link: a\.txt/);
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("a Dockerfile elsewhere in the context, inside an ignored directory, is sent and used", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "berth-build-ctx-df-"));
    roots.push(root);
    write(root, "ci/Dockerfile.ci", `FROM ${testImage()}\nCOPY . /ctx\nRUN find /ctx | sort | sed 's/^/found: /'\n`);
    write(root, "ci/other.txt", "ignored with its directory\n");
    write(root, ".dockerignore", "ci\n");
    write(root, "app.txt", "app\n");
    const { output } = await build(root, { dockerfile: "ci/Dockerfile.ci" });
    const found = output.split("\n").filter((line) => line.startsWith("found: "));
    // The daemon removes the ignored Dockerfile after reading it; the directory the archive implied
    // for it stays, empty, exactly as with `docker build -f ci/Dockerfile.ci`.
    // podman (buildah) applies the .dockerignore to the directory too: no empty /ctx/ci
    const expected = ["found: /ctx", "found: /ctx/.dockerignore", "found: /ctx/app.txt", ...(onPodman() ? [] : ["found: /ctx/ci"])];
    expect(found).toEqual(expected);
  });
});
