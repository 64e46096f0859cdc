/**
 * Integration global setup: the daemon must be reachable. Never skips: a suite that cannot
 * reach its daemon fails, so CI cannot pass without having run against a real engine.
 * Tells the suites which daemon it is (dockerd or podman, see daemon-kind.ts) through
 * `inject("berthTestDaemon")`, and prints it, so every run says what it ran against.
 */
import type { TestProject } from "vitest/node";
import type { TestDaemonInfo } from "./daemon-kind.js";

declare module "vitest" {
  export interface ProvidedContext {
    berthTestDaemon: TestDaemonInfo;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const host = process.env["BERTH_TEST_DOCKER_HOST"];
  if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run `npm test` (scripts/test.sh starts the throwaway daemon)");
  const { createDockerApi } = await import("../../src/index.js");
  const { probeTestDaemon } = await import("./daemon-kind.js");
  const docker = createDockerApi<any>({ host, preferredVersion: "1.10" });
  try {
    const { data } = await docker.api.GET("/_ping", { parseAs: "text" });
    if (data !== "OK") throw new Error(`daemon at ${host} answered /_ping with ${JSON.stringify(data)}`);
  } finally {
    await docker.close();
  }
  const daemon = await probeTestDaemon(host);
  // scripts/podman.sh exports BERTH_TEST_DAEMON_KIND=podman: a run that meant podman but reached
  // another daemon (or the reverse) fails here rather than asserting the wrong behaviour.
  const expected = process.env["BERTH_TEST_DAEMON_KIND"];
  if (expected && expected !== daemon.kind) {
    throw new Error(`BERTH_TEST_DAEMON_KIND=${expected} but the daemon at ${host} is ${daemon.kind} ${daemon.version}`);
  }
  console.log(`[integration] daemon: ${daemon.kind} ${daemon.version} (API ${daemon.apiVersion}) at ${host}`);
  project.provide("berthTestDaemon", daemon);
}
