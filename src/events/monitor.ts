/**
 * `EventMonitor`: one `/events` connection per client, fanned out to any number of listeners.
 *
 * The Go client's semantics are kept (`addEventListener` / `removeEventListener`, the stream
 * opened with the first listener and closed after the last, `ListenerAlreadyExistsError`), and
 * its three flaws removed: the connection is retried for as long as anyone listens (jittered,
 * capped exponential backoff) instead of five times; a dropped connection or a daemon restart
 * resumes from the last event seen with nothing lost or repeated (`ReplayGuard`); and a slow
 * listener overflows its own bounded queue, and is told, instead of losing events unnoticed.
 */
import type { DockerApi } from "../api.js";
import { DockerAbortError, InvalidOptionError } from "../errors.js";
import { resolveBackoff, type BackoffOptions } from "./backoff.js";
import { EventConnection, type EventConnectionState } from "./connection.js";
import { eventKey } from "./event.js";
import { EventMonitorClosedError, ListenerAlreadyExistsError, NoListenersError } from "./errors.js";
import { compileEventFilters, type EventFilters } from "./filter.js";
import { DEFAULT_DAEMON_EVENT_LIMIT } from "./gap.js";
import { boundedEvents, readEventHistory } from "./history.js";
import type { SincePrecision } from "./replay-guard.js";
import { asDockerError, eventTimeNanos, formatEventTime, type EventTime } from "./stream.js";
import { DEFAULT_QUEUE_SIZE, Subscription, type EventItem } from "./subscription.js";

export type { EventConnectionState } from "./connection.js";

/** Options of an event monitor. */
export interface EventMonitorOptions {
  /** Reconnect delays. Default 100 ms doubling up to 5 s, half of each delay random. */
  backoff?: BackoffOptions | undefined;
  /** Default capacity of each listener's queue. Default 1024. */
  queueSize?: number | undefined;
  /** Longest single event, in characters. Default 16 Mi. */
  maxEventLength?: number | undefined;
  /**
   * How many events the daemon keeps for `since` (dockerd: 256). A replay or a history answer
   * that reaches it may have lost older events, and listeners get a `{kind: "gap"}` item.
   */
  daemonEventLimit?: number | undefined;
  /** `since` format of reconnects. Default `auto`. */
  sincePrecision?: SincePrecision | undefined;
  /** How far before the last event seen a reconnect resumes, in ms (see `ReplayGuard`). Default 1000. */
  replayOverlapMs?: number | undefined;
  /** Closes the monitor when aborted: pass the client's lifetime signal. */
  signal?: AbortSignal | undefined;
  /** Called with every connection state change. */
  onState?: ((state: EventConnectionState) => void) | undefined;
  /** Receives what a listener threw. Default: rethrown outside the monitor (like an `EventTarget` listener error). */
  onListenerError?: ((error: unknown) => void) | undefined;
  /** Random source of the backoff jitter (tests). */
  random?: (() => number) | undefined;
}

/** Options of one listener. */
export interface ListenerOptions {
  /** Client-side filters. */
  filters?: EventFilters | undefined;
  /** Capacity of this listener's queue (default: the monitor's). */
  queueSize?: number | undefined;
  /** Removes the listener when aborted. */
  signal?: AbortSignal | undefined;
  /** Connection state changes while the listener is registered. */
  onState?: ((state: EventConnectionState) => void) | undefined;
}

/** Options of `events()`. */
export interface EventsOptions extends ListenerOptions {
  /** Start with the events the daemon still holds since this time (it keeps the last 256), then go on live. */
  since?: EventTime | undefined;
  /** Stop at this time: the iterator reads one bounded answer of its own and ends. */
  until?: EventTime | undefined;
}

/** A Go-style listener: called with every item, in order; a returned promise is awaited before the next. */
export type EventListener = (item: EventItem) => void | PromiseLike<void>;

/** Fans one `/events` connection out to listeners. Create one per client (see `eventMonitor()`). */
export class EventMonitor {
  private readonly queueSize: number;
  private readonly daemonEventLimit: number;
  private readonly connection: EventConnection;
  private readonly goListeners = new Map<EventListener, Subscription>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly stateCallbacks = new Set<(state: EventConnectionState) => void>();
  private readonly stateCallbacksOf = new WeakMap<Subscription, (state: EventConnectionState) => void>();
  private readonly readyWaiters = new Set<{ resolve: () => void; reject: (error: unknown) => void }>();
  private current: EventConnectionState = { state: "idle" };
  private closed = false;
  private readonly onLifetimeAbort = () => void this.close();

  constructor(
    readonly docker: DockerApi<any>,
    private readonly options: EventMonitorOptions = {},
  ) {
    this.queueSize = checkQueueSize(options.queueSize ?? DEFAULT_QUEUE_SIZE);
    this.daemonEventLimit = options.daemonEventLimit ?? DEFAULT_DAEMON_EVENT_LIMIT;
    if (!Number.isSafeInteger(this.daemonEventLimit) || this.daemonEventLimit < 1) {
      throw new InvalidOptionError("daemonEventLimit", "must be a positive integer");
    }
    const overlapMs = options.replayOverlapMs ?? 1000;
    if (!(overlapMs >= 0)) throw new InvalidOptionError("replayOverlapMs", "must be >= 0");
    this.connection = new EventConnection(
      docker,
      {
        backoff: resolveBackoff(options.backoff),
        maxEventLength: options.maxEventLength,
        replayOverlapNs: BigInt(Math.round(overlapMs * 1e6)),
        sincePrecision: options.sincePrecision ?? "auto",
        random: options.random,
        daemonEventLimit: this.daemonEventLimit,
      },
      {
        onItem: (item) => {
          for (const subscription of this.subscriptions) subscription.offer(item);
        },
        onState: (state) => {
          this.setState(state);
          if (state.state === "connected" || state.state === "reconnected") {
            for (const waiter of this.readyWaiters) waiter.resolve();
            this.readyWaiters.clear();
          }
        },
      },
    );
    if (options.onState) this.stateCallbacks.add(options.onState);
    if (options.signal?.aborted) this.closed = true;
    options.signal?.addEventListener("abort", this.onLifetimeAbort, { once: true });
  }

  /** The connection's current state. */
  get state(): EventConnectionState {
    return this.current;
  }

  /** Registered listeners of every form. */
  get listenerCount(): number {
    return this.subscriptions.size;
  }

  /** Go `AddEventListener`: registers `listener`; throws `ListenerAlreadyExistsError` if it is already. */
  addEventListener(listener: EventListener, options: Omit<ListenerOptions, "signal"> = {}): void {
    this.assertOpen();
    if (this.goListeners.has(listener)) throw new ListenerAlreadyExistsError();
    const subscription = this.pushSubscription(listener, options);
    this.goListeners.set(listener, subscription);
    this.register(subscription, options.onState);
  }

  /**
   * Go `RemoveEventListener`: unregisters `listener`, closing the connection after the last one.
   * Removing a listener that is not registered does nothing (as in Go) and returns false.
   */
  removeEventListener(listener: EventListener): boolean {
    const subscription = this.goListeners.get(listener);
    if (!subscription) return false;
    this.goListeners.delete(listener);
    this.unregister(subscription);
    return true;
  }

  /** Calls `callback` with every item until the returned function is called or `signal` aborts. */
  on(callback: EventListener, options: ListenerOptions = {}): () => void {
    this.assertOpen();
    if (options.signal?.aborted) return () => undefined;
    const subscription = this.pushSubscription(callback, options);
    const unsubscribe = () => {
      options.signal?.removeEventListener("abort", unsubscribe);
      this.unregister(subscription);
    };
    options.signal?.addEventListener("abort", unsubscribe, { once: true });
    this.register(subscription, options.onState);
    return unsubscribe;
  }

  /**
   * The events as an async iterator, registered at once (not at the first `next()`). Ends when
   * the monitor closes; throws `DockerAbortError` when `signal` aborts. Items are events,
   * overflow markers and stream errors: check `item.kind`.
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<EventItem> {
    this.assertOpen();
    if (options.until !== undefined) {
      return boundedEvents(this.docker, {
        since: options.since,
        until: options.until,
        fractional: this.connection.fractionalTimes,
        filter: compileEventFilters(options.filters),
        maxEventLength: this.options.maxEventLength,
        daemonEventLimit: this.daemonEventLimit,
        signal: options.signal,
      });
    }
    const signal = options.signal;
    const subscription = new Subscription(compileEventFilters(options.filters), checkQueueSize(options.queueSize ?? this.queueSize), {
      kind: "pull",
    });
    const finish = () => {
      signal?.removeEventListener("abort", onAbort);
      this.unregister(subscription);
    };
    const onAbort = () => {
      subscription.close(new DockerAbortError({ cause: signal?.reason }));
      finish();
    };
    if (signal?.aborted) {
      subscription.close(new DockerAbortError({ cause: signal.reason }));
    } else {
      signal?.addEventListener("abort", onAbort, { once: true });
      this.register(subscription, options.onState);
      if (options.since !== undefined) {
        subscription.hold();
        void this.catchUp(subscription, options.since, signal);
      }
    }
    const iterator: AsyncIterableIterator<EventItem> = {
      next: () => subscription.next(),
      return: async () => {
        finish();
        subscription.close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Calls `callback` on every connection state change until the returned function is called. */
  onState(callback: (state: EventConnectionState) => void): () => void {
    this.stateCallbacks.add(callback);
    return () => void this.stateCallbacks.delete(callback);
  }

  /**
   * Resolves once the shared connection is open (events produced from then on are delivered).
   * Rejects with `NoListenersError` when there is no listener (or the last one leaves while
   * waiting), `EventMonitorClosedError` after `close()`, `DockerAbortError` when `signal` aborts.
   */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new EventMonitorClosedError());
    if (this.subscriptions.size === 0) return Promise.reject(new NoListenersError());
    if (this.current.state === "connected" || this.current.state === "reconnected") return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new DockerAbortError({ cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.readyWaiters.delete(waiter);
        reject(new DockerAbortError({ cause: signal?.reason }));
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.readyWaiters.add(waiter);
    });
  }

  /** Stops the stream, releases the connection and every timer, ends every listener. Idempotent. */
  async close(): Promise<void> {
    if (this.closed && this.current.state === "closed") return;
    this.closed = true;
    this.options.signal?.removeEventListener("abort", this.onLifetimeAbort);
    this.stop(new EventMonitorClosedError());
    for (const subscription of this.subscriptions) subscription.close();
    this.subscriptions.clear();
    this.goListeners.clear();
    this.setState({ state: "closed" });
    this.stateCallbacks.clear();
  }

  // ---- listeners

  private pushSubscription(deliver: EventListener, options: Omit<ListenerOptions, "signal">): Subscription {
    const onError = this.options.onListenerError ?? rethrowOutside;
    return new Subscription(compileEventFilters(options.filters), checkQueueSize(options.queueSize ?? this.queueSize), {
      kind: "push",
      deliver,
      onError,
    });
  }

  private register(subscription: Subscription, onState: ((state: EventConnectionState) => void) | undefined): void {
    this.subscriptions.add(subscription);
    if (onState) {
      this.stateCallbacks.add(onState);
      this.stateCallbacksOf.set(subscription, onState);
    }
    if (!this.connection.isRunning && !this.closed) this.connection.start();
  }

  private unregister(subscription: Subscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    subscription.close();
    const onState = this.stateCallbacksOf.get(subscription);
    if (onState) this.stateCallbacks.delete(onState);
    if (this.subscriptions.size === 0 && this.connection.isRunning) {
      this.stop(new NoListenersError());
      this.setState({ state: "idle" });
    }
  }

  /** A `since` listener: read the history up to now, then the live events queued meanwhile minus repeats. */
  private async catchUp(subscription: Subscription, since: EventTime, signal: AbortSignal | undefined): Promise<void> {
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      // Connected first, so every event after `until` also reaches the (held) live queue.
      await this.ready(controller.signal);
      const fractional = this.connection.fractionalTimes;
      const from = eventTimeNanos(since);
      const history = (
        await readEventHistory(
          this.docker,
          { since: formatEventTime(since, fractional, "since"), until: formatEventTime(new Date(), fractional, "until") },
          controller.signal,
          this.options.maxEventLength,
          this.daemonEventLimit,
        )
      ).filter((item) => item.kind !== "event" || from === undefined || item.timeNano >= from);
      const keys = new Set<string>();
      for (const item of history) if (item.kind === "event") keys.add(eventKey(item));
      subscription.release(history, (item) => item.kind === "event" && keys.has(eventKey(item)));
    } catch (error) {
      if (!subscription.isClosed) subscription.release([{ kind: "error", error: asDockerError(error) }], () => false);
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }

  /** Stops the connection and fails whoever waits for it. */
  private stop(reason: NoListenersError | EventMonitorClosedError): void {
    this.connection.stop(reason);
    for (const waiter of this.readyWaiters) waiter.reject(reason);
    this.readyWaiters.clear();
  }

  private setState(state: EventConnectionState): void {
    this.current = state;
    for (const callback of [...this.stateCallbacks]) {
      try {
        callback(state);
      } catch (error) {
        (this.options.onListenerError ?? rethrowOutside)(error);
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventMonitorClosedError();
  }
}

/** Largest queue: each queue's ring is allocated up front, so a huge size would be a RangeError (or the heap). */
export const MAX_QUEUE_SIZE = 1 << 20;

function checkQueueSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_QUEUE_SIZE) {
    throw new InvalidOptionError("queueSize", `must be an integer from 1 to ${MAX_QUEUE_SIZE}`);
  }
  return size;
}

/** Reports a listener's exception the way an `EventTarget` does: as an uncaught error, not in the monitor's path. */
function rethrowOutside(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
