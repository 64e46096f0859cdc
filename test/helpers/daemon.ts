/**
 * Where the integration tests find the real daemon: scripts/daemon.sh exports
 * BERTH_TEST_DOCKER_HOST and friends (`scripts/test.sh` does it for `npm test`).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject, type TestOptions } from "vitest";
import { createDockerApi, type ConnectionOptions } from "../../src/index.js";
import type { DaemonKind, TestDaemonInfo } from "./daemon-kind.js";

declare module "vitest" {
  export interface TaskMeta {
    /** Why the test was skipped on this daemon (printed by scripts/daemon-summary.ts). */
    skipReason?: string;
  }
}

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

/** The daemon under test, as the global setup found it (`kind` is "docker" or "podman"). */
export function testDaemon(): TestDaemonInfo {
  return inject("berthTestDaemon");
}

/** True when the suites run against podman's Docker-compatible service. */
export const onPodman = (): boolean => testDaemon().kind === "podman";

/**
 * Test options that skip a test (or a `describe`) on the daemons named, with the reason: the
 * reason is kept in the test's meta, and scripts/daemon-summary.ts prints every skipped test
 * with it. `extra` carries other options (a timeout). Use only for what a daemon cannot do;
 * where it merely answers differently, assert its answer instead.
 *
 *   it("updates the restart policy", skipOn("podman", "podman 4.3 has no /containers/{id}/update"), async () => { ... });
 */
export function skipOn(kind: DaemonKind, reason: string, extra: TestOptions = {}): TestOptions {
  const skip = testDaemon().kind === kind;
  return { ...extra, skip: skip || extra.skip === true, ...(skip ? { meta: { skipReason: `${kind}: ${reason}` } } : {}) };
}

/** How a test may restart or kill the daemon under test: only one the run manages (issue 15). */
export interface ManagedDaemon {
  /** The script managing it (scripts/daemon.sh or scripts/podman.sh). */
  script: string;
  /** The environment naming its directory, for the script. */
  env: NodeJS.ProcessEnv;
}

/**
 * The daemon under test if this run manages it: BERTH_TEST_DOCKER_HOST is the socket in
 * BERTH_DAEMON_DIR (scripts/daemon.sh) or BERTH_PODMAN_DIR (scripts/podman.sh). Otherwise
 * undefined: a test never restarts a daemon it was not given, whatever BERTH_DAEMON_DIR says.
 */
export function managedDaemon(): ManagedDaemon | undefined {
  const host = process.env["BERTH_TEST_DOCKER_HOST"];
  const docker = process.env["BERTH_DAEMON_DIR"];
  const podman = process.env["BERTH_PODMAN_DIR"];
  const scripts = fileURLToPath(new URL("../../scripts/", import.meta.url));
  if (docker && host === `unix://${path.resolve(docker)}/docker.sock`) {
    return { script: `${scripts}daemon.sh`, env: { ...process.env, BERTH_DAEMON_DIR: docker } };
  }
  if (podman && host === `unix://${path.resolve(podman)}/podman.sock`) {
    return { script: `${scripts}podman.sh`, env: { ...process.env, BERTH_PODMAN_DIR: podman } };
  }
  return undefined;
}

/** Test options that skip a test unless the run manages the daemon under test (see `managedDaemon`). */
export function needsManagedDaemon(extra: TestOptions = {}): TestOptions {
  if (managedDaemon()) return extra;
  return {
    ...extra,
    skip: true,
    meta: {
      skipReason: `BERTH_TEST_DOCKER_HOST (${process.env["BERTH_TEST_DOCKER_HOST"]}) is not a daemon this run manages: it is never restarted`,
    },
  };
}

/**
 * An image reference as the daemon under test lists it in `RepoTags` (and names it in answers
 * such as `Untagged`): dockerd keeps `team/app:v1`, podman 4.3 fully qualifies it as
 * `docker.io/team/app:v1` (`docker.io/library/app:v1` for a one-part name).
 */
export function listedName(reference: string): string {
  if (!onPodman()) return reference;
  const first = reference.split("/")[0]!;
  if (reference.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return reference;
  return reference.includes("/") ? `docker.io/${reference}` : `docker.io/library/${reference}`;
}
