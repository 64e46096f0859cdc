/**
 * The 1 GiB export memory check (scripts/check-export-memory.ts), run in its own process so
 * that the measured RSS is the export's alone, not the test runner's. About 20 s on the CI
 * machine (writing the file in the container, then exporting it at 100+ MiB/s).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testDockerHost, testImage } from "../helpers/daemon.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("exportContainer memory", () => {
  it("streams a 1 GiB export with less than 64 MiB of RSS growth", { timeout: 300_000 }, async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/check-export-memory.ts",
        "--host",
        testDockerHost(),
        "--image",
        testImage(),
        "--size-mib",
        "1024",
        "--limit-mib",
        "64",
      ],
      { cwd: root, timeout: 290_000 },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`check-export-memory failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    const report = JSON.parse(stdout.split("\n")[0]!) as { exportedMiB: number; peakGrowthMiB: number };
    expect(report.exportedMiB).toBeGreaterThanOrEqual(1024);
    expect(report.peakGrowthMiB).toBeLessThan(64);
  });
});
