/**
 * Docker events: one shared, self-healing `/events` connection per client.
 *
 *     for await (const item of events(docker, { signal, filters: { type: "container" } })) {
 *       if (item.kind === "event") console.log(item.action, item.actor.id);
 *     }
 *
 * `eventMonitor(docker)` is the client's monitor, made on first use; `createEventMonitor`
 * makes one with options (backoff, queue sizes, a lifetime signal).
 */
import type { DockerApi } from "../api.js";
import { EventMonitor, type EventListener, type EventMonitorOptions, type EventsOptions, type ListenerOptions } from "./monitor.js";
import type { EventItem } from "./subscription.js";

export { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from "./backoff.js";
export { eventKey, normalizeEvent, type DockerEvent } from "./event.js";
export { EventMonitorClosedError, ListenerAlreadyExistsError, NoListenersError } from "./errors.js";
export { DEFAULT_DAEMON_EVENT_LIMIT, describeEventGap, type EventGap } from "./gap.js";
export { compileEventFilters, type EventFilters, type FilterValue } from "./filter.js";
export {
  EventMonitor,
  type EventConnectionState,
  type EventListener,
  type EventMonitorOptions,
  type EventsOptions,
  type ListenerOptions,
} from "./monitor.js";
export type { SincePrecision } from "./replay-guard.js";
export type { EventTime } from "./stream.js";
export { DEFAULT_QUEUE_SIZE, type EventItem, type EventOverflow, type EventStreamError } from "./subscription.js";

/** Each client's lazily made monitor. A WeakMap, so a monitor lives exactly as long as its client object. */
const monitors = new WeakMap<DockerApi<any>, EventMonitor>();

/** Makes an event monitor for `docker` with `options` (its own connection, independent of `eventMonitor(docker)`). */
export function createEventMonitor(docker: DockerApi<any>, options?: EventMonitorOptions): EventMonitor {
  const signal = options?.signal ? AbortSignal.any([docker.signal, options.signal]) : docker.signal;
  return new EventMonitor(docker, { ...options, signal });
}

/** The client's own monitor, made on first use; a closed one is replaced. */
export function eventMonitor(docker: DockerApi<any>): EventMonitor {
  let monitor = monitors.get(docker);
  if (!monitor || monitor.state.state === "closed") {
    monitor = new EventMonitor(docker, { signal: docker.signal });
    monitors.set(docker, monitor);
  }
  return monitor;
}

/** Closes the client's own monitor, if it has one (for the client's `close()`). */
export async function closeEventMonitor(docker: DockerApi<any>): Promise<void> {
  const monitor = monitors.get(docker);
  monitors.delete(docker);
  await monitor?.close();
}

/** The events of a client (or of a given monitor) as an async iterator; see `EventMonitor.events`. */
export function events(source: DockerApi<any> | EventMonitor, options?: EventsOptions): AsyncIterableIterator<EventItem> {
  return monitorOf(source).events(options);
}

/** Calls `callback` with every event item until the returned function is called; see `EventMonitor.on`. */
export function onEvent(source: DockerApi<any> | EventMonitor, callback: EventListener, options?: ListenerOptions): () => void {
  return monitorOf(source).on(callback, options);
}

function monitorOf(source: DockerApi<any> | EventMonitor): EventMonitor {
  return source instanceof EventMonitor ? source : eventMonitor(source);
}
