/**
 * Which daemon the tests talk to: dockerd or podman's Docker-compatible service (issue 15).
 * Told from the daemon's own answer to `GET /version` (podman's `Components` name "Podman Engine";
 * its service sends `Server: Libpod/<version>`), never from how it was started. No vitest import:
 * the Bun/Deno runtime suites and scripts/daemon-summary.ts use it too.
 */
import { createDockerApi } from "../../src/index.js";

/** The daemons berth's suites run against. */
export type DaemonKind = "docker" | "podman";

/** What a suite knows of its daemon. */
export interface TestDaemonInfo {
  kind: DaemonKind;
  /** The engine's version ("20.10.24", "4.3.1"). */
  version: string;
  /** The newest API version it speaks ("1.41"). */
  apiVersion: string;
  /** DOCKER_HOST-style address. */
  host: string;
}

interface VersionBody {
  Version?: string;
  ApiVersion?: string;
  Components?: { Name?: string; Version?: string }[];
  Platform?: { Name?: string };
}

/** dockerd or podman, from a `/version` body and the answer's `Server` header. */
export function daemonKindOf(version: VersionBody, serverHeader?: string | null): DaemonKind {
  if (serverHeader?.startsWith("Libpod")) return "podman";
  if (version.Components?.some((c) => c.Name === "Podman Engine")) return "podman";
  if (/podman/i.test(version.Platform?.Name ?? "")) return "podman";
  return "docker";
}

/** Asks the daemon at `host` what it is. */
export async function probeTestDaemon(host: string): Promise<TestDaemonInfo> {
  const docker = createDockerApi<any>({ host, preferredVersion: "1.10" });
  try {
    const { data, response } = await docker.api.GET("/version", {});
    const version = (data ?? {}) as VersionBody;
    const kind = daemonKindOf(version, response.headers.get("server"));
    const engine = version.Components?.find((c) => c.Name === (kind === "podman" ? "Podman Engine" : "Engine"));
    return { kind, version: engine?.Version ?? version.Version ?? "?", apiVersion: version.ApiVersion ?? "?", host };
  } finally {
    await docker.close();
  }
}
