/**
 * scripts/daemon-summary.ts REPORT.json... - what each pass of `npm test` ran against (issue 15).
 *
 * For each vitest JSON report (scripts/test.sh writes docker.json and podman.json, each beside a
 * `.host` file naming the daemon of that pass), prints the daemon's kind and version as it
 * answers `GET /version`, the number of integration tests passed, failed and skipped, and every
 * skipped test with its reason (the `skipReason` the test helpers put in its meta). Exits 1 if a
 * test was skipped without a reason: nothing is skipped silently.
 */
import { existsSync, readFileSync } from "node:fs";
import { probeTestDaemon } from "../test/helpers/daemon-kind.js";

interface Assertion {
  fullName: string;
  status: string;
  meta?: { skipReason?: string };
}
interface Report {
  testResults: { name: string; assertionResults: Assertion[] }[];
}

async function summarize(file: string): Promise<boolean> {
  const report = JSON.parse(readFileSync(file, "utf8")) as Report;
  const hostFile = file.replace(/\.json$/, ".host");
  const host = existsSync(hostFile) ? readFileSync(hostFile, "utf8").trim() : undefined;
  let daemon = "daemon unknown";
  if (host) {
    daemon = await probeTestDaemon(host).then(
      (d) => `${d.kind} ${d.version} (API ${d.apiVersion}) at ${host}`,
      (e: unknown) => `${host} (no answer to /version: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const count = { passed: 0, failed: 0, skipped: 0 };
  const skipped: string[] = [];
  let silent = 0;
  let unit = 0;
  for (const result of report.testResults) {
    const where = result.name.replace(/^.*?\/test\//, "test/");
    if (!where.startsWith("test/integration/")) {
      unit += result.assertionResults.length;
      continue;
    }
    for (const test of result.assertionResults) {
      if (test.status === "passed") count.passed++;
      else if (test.status === "failed") count.failed++;
      else {
        count.skipped++;
        const reason = test.meta?.skipReason;
        if (!reason) silent++;
        skipped.push(`    ${where} > ${test.fullName}: ${reason ?? "NO REASON GIVEN"}`);
      }
    }
  }
  const total = count.passed + count.failed + count.skipped;
  console.log(
    `[daemon-summary] ${daemon}: ${total} integration tests, ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped` +
      (unit > 0 ? ` (and ${unit} unit tests)` : ""),
  );
  for (const line of skipped) console.log(line);
  if (silent > 0)
    console.log(`[daemon-summary] ERROR: ${silent} test(s) skipped without a reason (a failed beforeAll skips its tests, too)`);
  return silent === 0;
}

let ok = true;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  ok = (await summarize(file)) && ok;
}
process.exit(ok ? 0 : 1);
