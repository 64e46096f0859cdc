/**
 * API version negotiation: one probe, one rule, the result pinned for the client's life.
 *
 * The rule (`pickApiVersion`), given the version the client's types were generated for
 * (its *preferred* version) and what the daemon reports on an unversioned `GET /version`:
 *
 * 1. An explicit `apiVersion` option wins and no probe is made.
 * 2. Otherwise the preferred version is clamped into the daemon's accepted range
 *    [`MinAPIVersion`, `ApiVersion`]:
 *    - inside the range: the preferred version;
 *    - below `MinAPIVersion` (a v1.10 client on Docker 20.10, minimum 1.12): the daemon's
 *      minimum, the closest wire format to the one the types describe;
 *    - above `ApiVersion` (new types, older daemon): the daemon's version.
 * 3. A daemon that reports no `ApiVersion` (v1.10 and older answer only `Version`) gets the
 *    preferred version; one that reports no `MinAPIVersion` (before API 1.21) accepts
 *    everything up to its own, so the lower bound is open.
 */
import { ApiVersionTooNewError, DockerApiError, DockerVersionError, InvalidOptionError, isDockerError } from "./errors.js";
import { DockerRequest } from "./transport/messages.js";
import type { Transport } from "./transport/types.js";

/** What the daemon's unversioned `GET /version` said about API versions. */
export interface DaemonApiRange {
  /** Newest API version the daemon speaks (`ApiVersion`), if it says. */
  maxVersion?: string | undefined;
  /** Oldest API version the daemon accepts (`MinAPIVersion`), if it says. */
  minVersion?: string | undefined;
}

/** Compares two `major.minor` API versions: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

const VERSION_PATTERN = /^\d+\.\d+$/;

/** Throws unless `version` looks like `1.41`. */
export function assertApiVersion(version: string): string {
  if (!VERSION_PATTERN.test(version)) throw new DockerVersionError(`invalid API version ${JSON.stringify(version)}: expected MAJOR.MINOR`);
  return version;
}

/** The version-picking rule described at the top of this file. Pure, for tests and callers. */
export function pickApiVersion(preferred: string, daemon: DaemonApiRange): string {
  const max = daemon.maxVersion && VERSION_PATTERN.test(daemon.maxVersion) ? daemon.maxVersion : undefined;
  const min = daemon.minVersion && VERSION_PATTERN.test(daemon.minVersion) ? daemon.minVersion : undefined;
  if (max === undefined) return preferred;
  if (min !== undefined && compareApiVersions(min, max) > 0) {
    throw new DockerVersionError(`daemon reports MinAPIVersion ${min} above ApiVersion ${max}`);
  }
  if (min !== undefined && compareApiVersions(preferred, min) < 0) return min;
  if (compareApiVersions(preferred, max) > 0) return max;
  return preferred;
}

/** Asks the daemon for its API range with an unversioned `GET /version`. */
export async function probeDaemonApiRange(transport: Transport, signal?: AbortSignal): Promise<DaemonApiRange> {
  const response = await transport.fetch(new DockerRequest("http://docker/version", signal ? { signal } : {}));
  const text = await response.text();
  if (!response.ok) throw new DockerApiError(response.status, text.trim(), { request: { method: "GET", path: "/version" } });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new DockerVersionError(`daemon's /version answer is not JSON`, { cause });
  }
  const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const asString = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { maxVersion: asString(record["ApiVersion"]), minVersion: asString(record["MinAPIVersion"]) };
}

/**
 * What to do when the client's types are newer than the daemon's newest version: `"negotiate"`
 * speaks the daemon's version (rule 2 above); `"error"` refuses with `ApiVersionTooNewError`.
 */
export type NewerThanDaemon = "negotiate" | "error";

/** Resolves the API version once and hands the same answer to every later request. */
export class ApiVersionPin {
  #pinned: string | undefined;
  #pending: Promise<string> | undefined;
  readonly #preferred: string;
  readonly #transport: Transport;

  readonly #newerThanDaemon: NewerThanDaemon;

  constructor(transport: Transport, preferred: string, explicit?: string, newerThanDaemon: NewerThanDaemon = "negotiate") {
    this.#transport = transport;
    this.#preferred = assertApiVersion(preferred);
    if (explicit !== undefined) this.#pinned = assertApiVersion(explicit);
    if (newerThanDaemon !== "negotiate" && newerThanDaemon !== "error") {
      throw new InvalidOptionError("newerThanDaemon", `must be "negotiate" or "error", got ${JSON.stringify(newerThanDaemon)}`);
    }
    this.#newerThanDaemon = newerThanDaemon;
  }

  /** The pinned version, or undefined before the first request resolved it. */
  get current(): string | undefined {
    return this.#pinned;
  }

  /** The version to use; probes the daemon on first use. A failed probe is retried next time. */
  resolve(signal?: AbortSignal): Promise<string> | string {
    if (this.#pinned !== undefined) return this.#pinned;
    this.#pending ??= probeDaemonApiRange(this.#transport, signal).then(
      (range) => {
        // Thrown here, the refusal stays: every later call gets the same error, no new probe.
        if (this.#newerThanDaemon === "error" && range.maxVersion && compareApiVersions(this.#preferred, range.maxVersion) > 0) {
          throw new ApiVersionTooNewError(this.#preferred, range.maxVersion);
        }
        this.#pinned = pickApiVersion(this.#preferred, range);
        return this.#pinned;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw isDockerError(error) ? error : new DockerVersionError("API version negotiation failed", { cause: error });
      },
    );
    return this.#pending;
  }
}
