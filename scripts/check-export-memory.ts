/**
 * Checks that a large export streams with bounded memory: a container holding a 1 GiB file is
 * exported through `DockerClient.exportContainer(...).pipeTo(<Node Writable on /dev/null>)`
 * while the process's resident set size is sampled. Prints the peak RSS growth over the
 * baseline and exits 1 if it exceeds the limit (or if fewer bytes than the file arrived).
 *
 *   npx tsx scripts/check-export-memory.ts                # uses BERTH_TEST_DOCKER_HOST or DOCKER_HOST
 *   npx tsx scripts/check-export-memory.ts --size-mib 1024 --limit-mib 64 --api-version 1.41
 *
 * The daemon must have the test image (scripts/daemon.sh imports it). With the vfs storage
 * driver the file costs 1 GiB of disk while the check runs; the container is removed at the end.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { DockerClient } from "../src/client/index.js";

const { values } = parseArgs({
  options: {
    host: { type: "string" },
    image: { type: "string" },
    "api-version": { type: "string" },
    "size-mib": { type: "string", default: "1024" },
    "limit-mib": { type: "string", default: "64" },
  },
});

const MIB = 1024 * 1024;
const host = values.host ?? process.env["BERTH_TEST_DOCKER_HOST"] ?? process.env["DOCKER_HOST"];
const image = values.image ?? process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
const sizeBytes = Number(values["size-mib"]) * MIB;
const limitBytes = Number(values["limit-mib"]) * MIB;

async function main(): Promise<number> {
  const docker = new DockerClient({ host, apiVersion: values["api-version"] });
  let id: string | undefined;
  try {
    const created = await docker.createContainer({
      name: `berth-export-memory-${process.pid}-${Date.now().toString(36)}`,
      config: { Image: image, Cmd: ["sh", "-c", `head -c ${sizeBytes} /dev/zero > /big`], NetworkDisabled: true },
      hostConfig: { NetworkMode: "none" },
    });
    id = created.Id;
    await docker.startContainer({ id });
    const exitCode = await docker.waitContainer({ id });
    if (exitCode !== 0) throw new Error(`the container writing /big exited with ${exitCode}`);

    // Warm up the connection and the code paths, so the baseline includes them.
    await docker.inspectContainer({ id });
    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);

    const started = performance.now();
    const sink = fs.createWriteStream("/dev/null");
    await docker.exportContainer({ id }).pipeTo(sink);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const written = sink.bytesWritten;
    const growth = peak - baseline;
    const report = {
      exportedMiB: +(written / MIB).toFixed(1),
      seconds: +seconds.toFixed(2),
      throughputMiBps: +(written / MIB / seconds).toFixed(1),
      baselineRssMiB: +(baseline / MIB).toFixed(1),
      peakRssMiB: +(peak / MIB).toFixed(1),
      peakGrowthMiB: +(growth / MIB).toFixed(1),
      limitMiB: limitBytes / MIB,
    };
    console.log(JSON.stringify(report));
    if (written < sizeBytes) {
      console.error(`FAIL: exported ${written} bytes, less than the ${sizeBytes}-byte file`);
      return 1;
    }
    if (growth > limitBytes) {
      console.error(`FAIL: peak RSS grew by ${report.peakGrowthMiB} MiB, above ${report.limitMiB} MiB`);
      return 1;
    }
    console.log(`OK: peak RSS growth ${report.peakGrowthMiB} MiB <= ${report.limitMiB} MiB`);
    return 0;
  } finally {
    if (id)
      await docker
        .removeContainer({ id, force: true, removeVolumes: true })
        .catch((error: unknown) => console.error("cleanup failed:", error));
    await docker.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
