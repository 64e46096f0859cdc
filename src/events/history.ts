/**
 * Bounded reads of the daemon's event history: `/events?since=..&until=..` answers with the
 * events it still holds in that range (its in-memory ring: the last 256 in Docker 20.10) and
 * ends at `until`. Used for `events({since})` (history, then the shared live stream) and
 * `events({until})` (history only). These requests end by themselves, so they do not count
 * against the one long-lived connection per client.
 */
import type { DockerApi } from "../api.js";
import { readJsonStream } from "../codecs/json-stream.js";
import { DockerAbortError } from "../errors.js";
import type { DockerEvent } from "./event.js";
import { DEFAULT_DAEMON_EVENT_LIMIT, historyGap } from "./gap.js";
import { eventTimeNanos, formatEventTime, requestEvents, toEventItem, type EventTime, type EventsQuery } from "./stream.js";
import type { EventItem } from "./subscription.js";

/**
 * Reads a bounded `/events` answer whole. An answer of `daemonEventLimit` events or more starts
 * with a `gap` item: the daemon's ring was full, so older events of the range may be gone
 * (dockerd's; podman's answers, `Libpod-Api-Version` in their headers, come from its log).
 */
export async function readEventHistory(
  docker: DockerApi<any>,
  query: EventsQuery,
  signal: AbortSignal,
  maxEventLength?: number,
  daemonEventLimit = DEFAULT_DAEMON_EVENT_LIMIT,
): Promise<EventItem[]> {
  const { body, libpod } = await requestEvents(docker, query, signal);
  const items: EventItem[] = [];
  for await (const item of readJsonStream(body, { maxValueLength: maxEventLength })) items.push(toEventItem(item));
  // podman keeps no ring: it answers from its events log, whatever the count (docs/podman.md)
  if (libpod) return items;
  const gap = historyGap(items, daemonEventLimit);
  if (gap) items.unshift(gap);
  return items;
}

/** What a bounded read needs. */
export interface HistoryRange {
  since?: EventTime | undefined;
  until: EventTime;
  /** Send `seconds.nanoseconds` (else whole seconds, widened; the exact bounds are applied here). */
  fractional: boolean;
  filter?: ((event: DockerEvent) => boolean) | undefined;
  maxEventLength?: number | undefined;
  daemonEventLimit?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The events of `[since, until]`, exactly (a whole-second query is trimmed to the given bounds). */
export async function* boundedEvents(docker: DockerApi<any>, range: HistoryRange): AsyncGenerator<EventItem, void, undefined> {
  const signal = range.signal;
  if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const query = {
      since: range.since === undefined ? undefined : formatEventTime(range.since, range.fractional, "since"),
      until: formatEventTime(range.until, range.fractional, "until"),
    };
    const from = range.since === undefined ? undefined : eventTimeNanos(range.since);
    const to = eventTimeNanos(range.until);
    for (const item of await readEventHistory(docker, query, controller.signal, range.maxEventLength, range.daemonEventLimit)) {
      if (item.kind === "event") {
        if ((from !== undefined && item.timeNano < from) || (to !== undefined && item.timeNano > to)) continue;
        if (range.filter && !range.filter(item)) continue;
      }
      yield item;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
