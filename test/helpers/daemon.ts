/**
 * Where the integration tests find the real daemon: scripts/daemon.sh exports
 * BERTH_TEST_DOCKER_HOST and friends (`scripts/test.sh` does it for `npm test`).
 */
import { createDockerApi, type ConnectionOptions } from "../../src/index.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through \`npm test\` (scripts/test.sh starts the throwaway daemon)`);
  }
  return value;
}

/** DOCKER_HOST-style address of the throwaway test daemon. */
export const testDockerHost = (): string => required("BERTH_TEST_DOCKER_HOST");
/** The busybox image imported offline by scripts/daemon.sh. */
export const testImage = (): string => process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
/** host:port of the open local registry. */
export const testRegistry = (): string => required("BERTH_TEST_REGISTRY");
/** host:port of the registry that requires basic auth. */
export const testAuthRegistry = (): string => required("BERTH_TEST_AUTH_REGISTRY");
export const testRegistryCredentials = () => ({
  username: required("BERTH_TEST_REGISTRY_USER"),
  password: required("BERTH_TEST_REGISTRY_PASSWORD"),
});

/** The API versions the integration suites run at (lowest the daemon accepts, Docker 25+'s minimum, newest). */
export const TEST_API_VERSIONS = ["1.12", "1.24", "1.41"] as const;

/** A unique, recognisable name for objects a test creates. */
export function uniqueName(prefix: string): string {
  return `berth-test-${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** A low-level client on the test daemon with untyped paths (for tests of the machinery itself). */
export function rawTestApi(options: Partial<ConnectionOptions> = {}) {
  return createDockerApi<any>({ host: testDockerHost(), preferredVersion: "1.10", ...options });
}
