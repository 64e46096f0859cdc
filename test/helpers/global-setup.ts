/**
 * Integration global setup: the daemon must be reachable. Never skips: a suite that cannot
 * reach its daemon fails, so CI cannot pass without having run against a real engine.
 */
export default async function setup(): Promise<void> {
  const host = process.env["BERTH_TEST_DOCKER_HOST"];
  if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run `npm test` (scripts/test.sh starts the throwaway daemon)");
  const { createDockerApi } = await import("../../src/index.js");
  const docker = createDockerApi<any>({ host, preferredVersion: "1.10" });
  try {
    const { data } = await docker.api.GET("/_ping", { parseAs: "text" });
    if (data !== "OK") throw new Error(`daemon at ${host} answered /_ping with ${JSON.stringify(data)}`);
  } finally {
    await docker.close();
  }
}
