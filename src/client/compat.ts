/**
 * Calls whose v1.10 shape later API versions refuse, done so that the caller gets what they
 * asked for at every version (docs/api-versions.md explains each choice):
 *
 * - start with a host configuration: refused from API 1.24 (400 "starting container with
 *   non-empty request body was deprecated since API v1.22 and removed in v1.24"). berth sends
 *   that one request at API 1.23 when the daemon still accepts 1.23 (Docker up to 24 accepts
 *   down to 1.12), and otherwise refuses before sending anything;
 * - copy out of a container: `POST /containers/{id}/copy` answers 404 from API 1.24, and at
 *   lower versions Docker 20.10 archives a folder without its own name (`c.txt`, not
 *   `d/c.txt` as `archive` and the old daemons do). berth uses `GET /containers/{id}/archive`
 *   (from API 1.20) whenever the daemon has it, whatever version is pinned (daemons do not
 *   gate it by the request's version), and `copy` only on daemons older than 1.20;
 * - commit message: `m` up to API 1.11, `comment` from 1.12 (newer daemons ignore `m`);
 * - list filters: `since` / `before` as plain query parameters are ignored by newer daemons,
 *   which take them as `filters` (documented from 1.12).
 */
import { BERTH_VERSION } from "../api.js";
import { apiErrorFromResponse } from "../middleware.js";
import { DockerRequest } from "../transport/messages.js";
import { compareApiVersions } from "../version.js";
import type { ClientContext } from "./context.js";
import { HostConfigAtStartUnsupportedError } from "./errors.js";
import type { HostConfig } from "./types.js";

/** First API version whose start endpoint refuses a body. */
export const START_BODY_REMOVED_IN = "1.24";
/** The API version berth falls back to for a start with a host configuration. */
export const LAST_START_BODY_VERSION = "1.23";
/** First API version with `GET /containers/{id}/archive`, which replaces `copy`. */
export const ARCHIVE_ENDPOINT_SINCE = "1.20";
/** First API version whose commit takes the message as `comment` rather than `m`. */
export const COMMIT_COMMENT_SINCE = "1.12";
/** First API version documenting `filters` on the container list. */
export const CONTAINER_FILTERS_SINCE = "1.12";

/**
 * True when `copyFromContainer` should use `GET /containers/{id}/archive`: the pinned version
 * has it, or the daemon does (its `ApiVersion` is 1.20 or later).
 */
export async function useArchiveEndpoint(context: ClientContext, signal: AbortSignal | undefined): Promise<boolean> {
  if (compareApiVersions(await context.docker.apiVersion(signal), ARCHIVE_ENDPOINT_SINCE) >= 0) return true;
  const { maxVersion } = await context.daemonRange(signal);
  return maxVersion !== undefined && compareApiVersions(maxVersion, ARCHIVE_ENDPOINT_SINCE) >= 0;
}

/**
 * `POST /v<version>/containers/{id}/start` with a JSON host configuration, at an explicit API
 * version (not the client's pinned one). The error handling matches the typed calls.
 */
export async function startAtVersion(
  context: ClientContext,
  version: string,
  id: string,
  hostConfig: HostConfig,
  signal: AbortSignal | undefined,
): Promise<void> {
  const path = `/v${version}/containers/${encodeURIComponent(id)}/start`;
  const request = new DockerRequest(`http://docker${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": `berth/${BERTH_VERSION}` },
    body: JSON.stringify(hostConfig),
    signal: signal ?? null,
  });
  const response = await context.docker.transport.fetch(request);
  // 304: already running (what every version answers to a second start).
  if (response.ok || response.status === 304) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  throw await apiErrorFromResponse(response, { method: "POST", path }, "/containers/{id}/start", { id });
}

/**
 * Where a start with a host configuration must go at API `version`: the client's own
 * version below 1.24, else 1.23 if the daemon accepts it.
 * @throws HostConfigAtStartUnsupportedError when no accepted version takes a start body.
 */
export async function startBodyVersion(context: ClientContext, version: string, signal: AbortSignal | undefined): Promise<string> {
  if (compareApiVersions(version, START_BODY_REMOVED_IN) < 0) return version;
  const range = await context.daemonRange(signal);
  const min = range.minVersion;
  // No MinAPIVersion (daemons before API 1.21) means no lower bound.
  if (min !== undefined && compareApiVersions(min, LAST_START_BODY_VERSION) > 0) throw new HostConfigAtStartUnsupportedError(version, min);
  return LAST_START_BODY_VERSION;
}
