/**
 * The `/events` request and the reading of its body into event items. The body is a web
 * `ReadableStream` on every runtime; cancelling it is what closes the connection (Node: the
 * response socket is destroyed; Bun/Deno: the fetch body is cancelled).
 */
import type { DockerApi } from "../api.js";
import { JsonStreamParser, type JsonStreamItem } from "../codecs/json-stream.js";
import { formatEndpoint } from "../docker-host.js";
import { DockerConnectionError, DockerError, DockerProtocolError, InvalidOptionError, isDockerError } from "../errors.js";
import { normalizeEvent } from "./event.js";
import type { EventItem } from "./subscription.js";

/** A point in time for `since`/`until`: a `Date`, seconds since the epoch (may be fractional), or the daemon's own format. */
export type EventTime = Date | number | string;

/** Query of one `/events` request. */
export interface EventsQuery {
  since?: string | undefined;
  until?: string | undefined;
}

/** An open `/events` response. */
export interface OpenEventStream {
  readonly body: ReadableStream<Uint8Array>;
  /** The daemon's clock at the answer (its `Date` header), in ms, if it sent one. */
  readonly daemonDateMs: number | undefined;
  /** True for podman's service (a `Libpod-Api-Version` header), which misreads fractional times. */
  readonly libpod: boolean;
}

/** Sends `GET /events` and resolves at the response head. Non-2xx answers throw the typed API error. */
export async function requestEvents(docker: DockerApi<any>, query: EventsQuery, signal: AbortSignal): Promise<OpenEventStream> {
  const params: Record<string, string> = {};
  if (query.since !== undefined) params["since"] = query.since;
  if (query.until !== undefined) params["until"] = query.until;
  const { data, response } = await docker.api.GET("/events", { params: { query: params }, parseAs: "stream", signal });
  const body = data as ReadableStream<Uint8Array> | null | undefined;
  if (!body) throw new DockerProtocolError("the daemon answered GET /events without a body");
  const headers = (response as Response).headers;
  const date = headers.get("date");
  const parsed = date === null ? Number.NaN : Date.parse(date);
  return { body, daemonDateMs: Number.isFinite(parsed) ? parsed : undefined, libpod: headers.has("libpod-api-version") };
}

/** One decoded JSON value (or a malformed one) as an event item. */
export function toEventItem(item: JsonStreamItem): EventItem {
  if (item.error) return { kind: "error", error: item.error };
  try {
    return normalizeEvent(item.value, item.text);
  } catch (error) {
    return { kind: "error", error: asDockerError(error) };
  }
}

/**
 * Reads `body` to its end, handing every item to `onItem`. Resolves with why the stream ended
 * (an end of stream is a `DockerConnectionError`: the events stream has no natural end) and
 * never rejects. `register` receives a function that cancels the body, which releases the
 * connection; the monitor calls it to stop.
 */
export async function pumpEvents(
  docker: DockerApi<any>,
  body: ReadableStream<Uint8Array>,
  options: { maxEventLength?: number | undefined; register: (cancel: (reason: unknown) => void) => void },
  onItem: (item: EventItem) => void,
): Promise<DockerError> {
  const parser = new JsonStreamParser({ maxValueLength: options.maxEventLength });
  const emit = (item: JsonStreamItem) => onItem(toEventItem(item));
  const reader = body.getReader();
  let cancelled: unknown;
  options.register((reason) => {
    cancelled ??= reason ?? new DockerConnectionError("events stream cancelled", formatEndpoint(docker.endpoint));
    reader.cancel(reason).catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (cancelled !== undefined) return asDockerError(cancelled);
      if (done) break;
      parser.write(value, emit);
    }
    parser.end(emit);
    return new DockerConnectionError("the daemon ended the events stream", formatEndpoint(docker.endpoint));
  } catch (error) {
    return asDockerError(cancelled ?? error);
  } finally {
    options.register(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // A read still pending after cancel keeps the lock on some runtimes; the stream is done either way.
    }
  }
}

/**
 * Formats a time for the daemon: `seconds.nanoseconds` when `fractional`, else whole seconds,
 * rounded down for a `since` and up for an `until` so that the bound is never narrower than asked.
 */
export function formatEventTime(time: EventTime, fractional: boolean, bound: "since" | "until"): string {
  if (typeof time === "string") return time;
  const ms = time instanceof Date ? time.getTime() : time * 1000;
  if (!Number.isFinite(ms)) throw new InvalidOptionError(bound, `not a valid time: ${String(time)}`);
  if (!fractional) return String(bound === "since" ? Math.floor(ms / 1000) : Math.ceil(ms / 1000));
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  // A whole second goes as such: podman 4.3 takes "1700000000.000000000" for no time at all
  // (its answer is then empty, without an error), while both read "1700000000" (issue 15).
  if (nanos === 0) return String(seconds);
  return `${seconds}.${String(Math.min(nanos, 999_999_999)).padStart(9, "0")}`;
}

/** A `since`/`until` as nanoseconds since the epoch, for exact client-side bounds; `undefined` for daemon-format strings. */
export function eventTimeNanos(time: EventTime): bigint | undefined {
  if (typeof time === "string") return undefined;
  const ms = time instanceof Date ? time.getTime() : time * 1000;
  return Number.isFinite(ms) ? BigInt(Math.round(ms * 1e6)) : undefined;
}

/** Any failure as a berth error. */
export function asDockerError(error: unknown): DockerError {
  if (isDockerError(error)) return error;
  return new DockerError(error instanceof Error ? error.message : String(error), { cause: error });
}
