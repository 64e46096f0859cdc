import { describe, expect, it } from "vitest";
import { DockerStreamError, isDockerError } from "../../src/index.js";
import { foldProgress, progressResult, type ProgressMessage, type ProgressSnapshot } from "../../src/progress/fold.js";

// Message sequences shaped after what Docker Engine 20.10 (API 1.41) sent for pulls, pushes and
// builds against a local registry; ids, sizes and digests are kept, repeated byte updates trimmed.
const DIGEST = "sha256:07de2ca9ff26fa6df5601f7319517b77234ab543d09d7cd2bd1f3b4c8f97766b";

const PULL: ProgressMessage[] = [
  { status: "Pulling from progress-probe", id: "built" },
  { status: "Already exists", progressDetail: {}, id: "66752a98bead" },
  { status: "Pulling fs layer", progressDetail: {}, id: "66e19220d46a" },
  { status: "Pulling fs layer", progressDetail: {}, id: "eb4d2d3154e7" },
  { status: "Downloading", progressDetail: { current: 32768, total: 3146841 }, progress: "[>   ]  32.77kB/3.147MB", id: "66e19220d46a" },
  { status: "Downloading", progressDetail: { current: 111, total: 111 }, progress: "[====>]     111B/111B", id: "eb4d2d3154e7" },
  { status: "Verifying Checksum", progressDetail: {}, id: "eb4d2d3154e7" },
  { status: "Download complete", progressDetail: {}, id: "eb4d2d3154e7" },
  { status: "Downloading", progressDetail: { current: 1605632, total: 3146841 }, id: "66e19220d46a" },
  { status: "Verifying Checksum", progressDetail: {}, id: "66e19220d46a" },
  { status: "Download complete", progressDetail: {}, id: "66e19220d46a" },
  { status: "Extracting", progressDetail: { current: 32768, total: 3146841 }, id: "66e19220d46a" },
  { status: "Extracting", progressDetail: { current: 3146841, total: 3146841 }, id: "66e19220d46a" },
  { status: "Pull complete", progressDetail: {}, id: "66e19220d46a" },
  { status: "Extracting", progressDetail: { current: 111, total: 111 }, id: "eb4d2d3154e7" },
  { status: "Pull complete", progressDetail: {}, id: "eb4d2d3154e7" },
  { status: `Digest: ${DIGEST}` },
  { status: "Status: Downloaded newer image for 127.0.0.1:5055/progress-probe:built" },
];

const PUSH: ProgressMessage[] = [
  { status: "The push refers to repository [127.0.0.1:5055/progress-probe]" },
  { status: "Preparing", progressDetail: {}, id: "a2fba8c2f382" },
  { status: "Preparing", progressDetail: {}, id: "0ba33af36c00" },
  { status: "Preparing", progressDetail: {}, id: "95b9fae071c5" },
  { status: "Layer already exists", progressDetail: {}, id: "95b9fae071c5" },
  { status: "Pushing", progressDetail: { current: 33280, total: 3145728 }, id: "0ba33af36c00" },
  // The daemon's push total is the uncompressed size; current may run past it.
  { status: "Pushing", progressDetail: { current: 2048, total: 3 }, id: "a2fba8c2f382" },
  { status: "Pushing", progressDetail: { current: 3179520, total: 3145728 }, id: "0ba33af36c00" },
  { status: "Pushed", progressDetail: {}, id: "0ba33af36c00" },
  { status: "Pushed", progressDetail: {}, id: "a2fba8c2f382" },
  { status: `built: digest: ${DIGEST} size: 946` },
  { progressDetail: {}, aux: { Tag: "built", Digest: DIGEST, Size: 946 } },
];

const BUILD: ProgressMessage[] = [
  { stream: "Step 1/2 : FROM berth-test/busybox:latest" },
  { stream: "\n" },
  { stream: " ---> b349ed95b281\n" },
  { stream: "Step 2/2 : RUN ls /" },
  { stream: "\n" },
  { stream: " ---> Running in 9489d5772d0d\n" },
  { stream: "bin\ndev\netc\n" },
  { stream: "Removing intermediate container 9489d5772d0d\n" },
  { stream: " ---> 2c6355ae8e3c\n" },
  { aux: { ID: "sha256:2c6355ae8e3cc71cb44c5d1e1517a0838614a380045e464484da1293110f8f61" } },
  { stream: "Successfully built 2c6355ae8e3c\n" },
  { stream: "Successfully tagged 127.0.0.1:5055/progress-probe:built\n" },
];

async function all(messages: ProgressMessage[]): Promise<ProgressSnapshot[]> {
  const out: ProgressSnapshot[] = [];
  for await (const snapshot of foldProgress(messages)) out.push(snapshot);
  return out;
}

async function* slowly(messages: ProgressMessage[]): AsyncGenerator<ProgressMessage> {
  for (const message of messages) {
    await Promise.resolve();
    yield message;
  }
}

describe("foldProgress: pull", () => {
  it("tracks layers, download bytes and completion, and returns the digest", async () => {
    const snapshots = await all(PULL);
    expect(snapshots).toHaveLength(PULL.length + 1);
    const last = snapshots.at(-1)!;
    expect(last.final).toBe(true);
    expect(last.layers.map((l) => [l.id, l.status, l.done])).toEqual([
      ["66752a98bead", "Already exists", true],
      ["66e19220d46a", "Pull complete", true],
      ["eb4d2d3154e7", "Pull complete", true],
    ]);
    expect(last).toMatchObject({ layersDone: 3, layersTotal: 3, current: 3146841 + 111, total: 3146841 + 111 });
    expect(last.result).toEqual({ digest: DIGEST, status: "Status: Downloaded newer image for 127.0.0.1:5055/progress-probe:built" });
    expect(last.message).toBe("Status: Downloaded newer image for 127.0.0.1:5055/progress-probe:built");
  });

  it("the tag line is not a layer; mid-way snapshots show partial bytes that never run backwards", async () => {
    const snapshots = await all(PULL);
    expect(snapshots[0]!.layersTotal).toBe(0);
    expect(snapshots[0]!.message).toBe("built: Pulling from progress-probe");
    const midway = snapshots[8]!; // after the second "Downloading" of the big layer
    expect(midway).toMatchObject({ current: 1605632 + 111, total: 3146841 + 111, layersDone: 1, layersTotal: 3 });
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.current).toBeGreaterThanOrEqual(snapshots[i - 1]!.current);
    const extracting = snapshots[11]!.layers.find((l) => l.id === "66e19220d46a")!;
    expect(extracting).toMatchObject({ status: "Extracting", current: 3146841, detail: { current: 32768, total: 3146841 } });
  });

  it("snapshots are independent copies", async () => {
    const snapshots = await all(PULL);
    expect(snapshots[2]!.layers[1]!.status).toBe("Pulling fs layer");
  });
});

describe("foldProgress: push", () => {
  it("clamps bytes to the layer size, counts already-existing layers as done, takes digest, tag and size from aux", async () => {
    const snapshots = await all(PUSH);
    const last = snapshots.at(-1)!;
    expect(last.layers.map((l) => [l.id, l.done])).toEqual([
      ["a2fba8c2f382", true],
      ["0ba33af36c00", true],
      ["95b9fae071c5", true],
    ]);
    expect(last).toMatchObject({ layersDone: 3, layersTotal: 3, current: 3145728 + 3, total: 3145728 + 3 });
    expect(last.result).toEqual({ digest: DIGEST, tag: "built", size: 946 });
    for (const snapshot of snapshots) expect(snapshot.current).toBeLessThanOrEqual(snapshot.total);
  });

  it("finds the digest, tag and size in the status line when there is no aux (older daemons, podman 4.3: issue 15)", async () => {
    expect(await progressResult(PUSH.slice(0, -1))).toEqual({ digest: DIGEST, tag: "built", size: 946 });
    // podman: the repository line names the tag, then only the digest line
    const podman = [{ status: "The push refers to repository [127.0.0.1:5057/app:v1]" }, { status: `v1: digest: ${DIGEST} size: 348` }];
    expect(await progressResult(podman)).toEqual({ digest: DIGEST, tag: "v1", size: 348 });
  });

  it("'Mounted from' completes a layer", async () => {
    const result = await all([
      { status: "Preparing", id: "abc" },
      { status: "Mounted from library/busybox", id: "abc" },
    ]);
    expect(result.at(-1)!.layersDone).toBe(1);
  });
});

describe("foldProgress: build", () => {
  it("reports output lines as the message and the full image id from aux", async () => {
    const snapshots = await all(BUILD);
    expect(snapshots[2]!.message).toBe("---> b349ed95b281");
    expect(snapshots[6]!.message).toBe("bin\ndev\netc");
    expect(snapshots.at(-1)!.result).toEqual({ imageId: "sha256:2c6355ae8e3cc71cb44c5d1e1517a0838614a380045e464484da1293110f8f61" });
  });

  it("falls back to the short id of 'Successfully built' and reads a quiet build's id", async () => {
    expect(await progressResult(BUILD.filter((m) => m.aux === undefined))).toEqual({ imageId: "2c6355ae8e3c" });
    const quiet = [{ stream: "sha256:2c6355ae8e3cc71cb44c5d1e1517a0838614a380045e464484da1293110f8f61\n" }];
    expect(await progressResult(quiet)).toEqual({ imageId: "sha256:2c6355ae8e3cc71cb44c5d1e1517a0838614a380045e464484da1293110f8f61" });
  });

  it("issue 15: a quiet build's bare id (podman 4.3 drops the sha256: prefix) is reported as sha256:<hex>", async () => {
    const hex = "2c6355ae8e3cc71cb44c5d1e1517a0838614a380045e464484da1293110f8f61";
    expect(await progressResult([{ stream: `${hex}\n` }])).toEqual({ imageId: `sha256:${hex}` });
    // a 64-hex line inside ordinary build output is not an id unless it is the whole message
    expect(await progressResult([{ stream: `RUN echo ${hex}\n` }])).toEqual({});
  });

  it("a build that pulls its base image reports the pull's layers too", async () => {
    const messages: ProgressMessage[] = [{ stream: "Step 1/1 : FROM r.example/base\n" }, ...PULL, ...BUILD.slice(-3)];
    const last = (await all(messages)).at(-1)!;
    expect(last.layersTotal).toBe(3);
    expect(last.result.imageId).toMatch(/^sha256:/);
  });
});

describe("foldProgress: errors", () => {
  it("an error message ends the fold with a DockerStreamError carrying errorDetail.code, after the snapshots before it", async () => {
    const failing: ProgressMessage[] = [
      ...BUILD.slice(0, 5),
      {
        errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
        error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
      },
      { stream: "never folded" },
    ];
    const seen: ProgressSnapshot[] = [];
    let error: unknown;
    try {
      for await (const snapshot of foldProgress(slowly(failing))) seen.push(snapshot);
    } catch (e) {
      error = e;
    }
    expect(seen).toHaveLength(5);
    expect(error).toBeInstanceOf(DockerStreamError);
    expect(isDockerError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "ERR_STREAM",
      detailCode: 3,
      message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    });
  });

  it("a push refused by the registry", async () => {
    const refused: ProgressMessage[] = [
      PUSH[0]!,
      { status: "Preparing", progressDetail: {}, id: "95b9fae071c5" },
      { errorDetail: { message: "no basic auth credentials" }, error: "no basic auth credentials" },
    ];
    await expect(progressResult(refused)).rejects.toThrow(new DockerStreamError("no basic auth credentials"));
    await expect(progressResult([{ error: "plain error only" }])).rejects.toThrow("plain error only");
  });

  it("a failed step's message without the newline podman (buildah) ends it with (issue 15)", async () => {
    const failed: ProgressMessage[] = [
      { stream: "STEP 2/2: RUN echo m && exit 9\n" },
      {
        errorDetail: { message: 'building at STEP "RUN echo m && exit 9": while running runtime: exit status 9\n' },
        error: 'building at STEP "RUN echo m && exit 9": while running runtime: exit status 9\n',
      },
    ];
    const error = await progressResult(failed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toBe('building at STEP "RUN echo m && exit 9": while running runtime: exit status 9');
    await expect(progressResult([{ error: " \n" }])).rejects.toThrow("unknown error");
  });

  it("an empty stream ends with an empty result", async () => {
    const snapshots = await all([]);
    expect(snapshots).toEqual([{ layers: [], current: 0, total: 0, layersDone: 0, layersTotal: 0, result: {}, final: true }]);
  });
});
