/**
 * The shared `/events` connection of one monitor: open it, read it, and when it ends or cannot
 * be opened, retry after a jittered, capped exponential backoff, for as long as it runs.
 * Every reconnect resumes from the last event seen (`ReplayGuard` computes `since` and drops
 * the repeats), so the items handed on are each event once, in the daemon's order.
 */
import type { DockerApi } from "../api.js";
import { DockerApiError, type DockerError } from "../errors.js";
import { backoffDelay, type Backoff } from "./backoff.js";
import { ReplayGapDetector } from "./gap.js";
import { ReplayGuard, type SincePrecision } from "./replay-guard.js";
import { asDockerError, pumpEvents, requestEvents } from "./stream.js";
import type { EventItem } from "./subscription.js";

/** The state of the shared events connection. */
export type EventConnectionState =
  /** No listener, no connection. */
  | { readonly state: "idle" }
  /** The first connection of a run is open. */
  | { readonly state: "connected" }
  /** The connection ended or could not be opened; the next try is in `retryInMs`. */
  | { readonly state: "disconnected"; readonly error: DockerError; readonly attempt: number; readonly retryInMs: number }
  /** Open again after a loss, resumed from the last event seen. `downtimeMs` runs from the first loss. */
  | { readonly state: "reconnected"; readonly downtimeMs: number; readonly attempts: number }
  /** The monitor was closed. */
  | { readonly state: "closed" };

/** Settings of a connection. */
export interface EventConnectionSettings {
  readonly backoff: Backoff;
  readonly maxEventLength: number | undefined;
  readonly replayOverlapNs: bigint;
  readonly sincePrecision: SincePrecision;
  readonly random: (() => number) | undefined;
  /** The daemon's event ring size: a replay of this many events may have lost older ones (gap.ts). */
  readonly daemonEventLimit: number;
}

/** What the connection reports to its monitor. */
export interface EventConnectionHooks {
  /** Each new event (repeats already dropped) and each malformed one, in order. */
  onItem(item: EventItem): void;
  /** `connected`, `disconnected` and `reconnected`. */
  onState(state: EventConnectionState): void;
}

/** One monitor's connection; `start()` and `stop()` bracket a run (fresh replay state each run). */
export class EventConnection {
  /** Incremented whenever the running loop must stop. */
  private run = 0;
  private running = false;
  private guard: ReplayGuard;
  private abortRequest: AbortController | undefined;
  private cancelBody: (reason: unknown) => void = () => undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | undefined;
  private readonly gaps: ReplayGapDetector;

  constructor(
    private readonly docker: DockerApi<any>,
    private readonly settings: EventConnectionSettings,
    private readonly hooks: EventConnectionHooks,
  ) {
    this.guard = this.newGuard();
    this.gaps = new ReplayGapDetector(settings.daemonEventLimit, (item) => hooks.onItem(item));
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Whether the daemon takes `seconds.nanoseconds` times (as far as the connection knows). */
  get fractionalTimes(): boolean {
    return this.guard.nanoseconds();
  }

  /** Starts a run: connects now, live from the connection on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.guard = this.newGuard();
    void this.loop(++this.run);
  }

  /** Ends the run: cancels the body (which closes the socket), aborts a pending request, clears the retry timer. */
  stop(reason: DockerError): void {
    this.run++;
    this.running = false;
    this.cancelBody(reason);
    this.gaps.flush();
    this.abortRequest?.abort(reason);
    this.abortRequest = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.wakeRetry?.();
  }

  private newGuard(): ReplayGuard {
    return new ReplayGuard(this.settings.replayOverlapNs, this.settings.sincePrecision);
  }

  private async loop(run: number): Promise<void> {
    let attempt = 0;
    let connectedOnce = false;
    let downSince: number | undefined;
    while (run === this.run) {
      const controller = new AbortController();
      this.abortRequest = controller;
      const since = this.guard.since();
      let error: DockerError;
      try {
        const { body, daemonDateMs, libpod } = await requestEvents(this.docker, { since }, controller.signal);
        if (run !== this.run) {
          await body.cancel().catch(() => undefined);
          return;
        }
        // podman 4.3 answers a fractional `since` with an empty stream, no error: whole seconds
        // from now on (the guard drops what the wider window repeats), and ask again at once.
        if (libpod) this.guard.fractionalTimesMisread();
        if (libpod && since?.includes(".") && !this.guard.nanoseconds()) {
          await body.cancel().catch(() => undefined);
          continue;
        }
        this.guard.connected(daemonDateMs, Date.now());
        const openedAt = Date.now();
        // A resumed connection starts with the daemon's replay: watch it for a gap (issue 16 item 5).
        // podman keeps no ring (it replays from its events log, however long): no gap there.
        this.gaps.begin(connectedOnce && !libpod, this.guard.lastSeen, BigInt(Math.floor(daemonDateMs ?? openedAt)) * 1_000_000n);
        this.hooks.onState(
          connectedOnce
            ? { state: "reconnected", downtimeMs: openedAt - (downSince ?? openedAt), attempts: attempt }
            : { state: "connected" },
        );
        connectedOnce = true;
        downSince = undefined;
        let delivered = false;
        error = await pumpEvents(
          this.docker,
          body,
          { maxEventLength: this.settings.maxEventLength, register: (cancel) => (this.cancelBody = cancel) },
          (item) => {
            delivered = true;
            this.gaps.offer(item, item.kind !== "event" || this.guard.admit(item));
          },
        );
        this.gaps.flush();
        // A connection that carried events or stayed up a while was healthy: back off afresh.
        if (delivered || Date.now() - openedAt >= this.settings.backoff.maxDelayMs) attempt = 0;
      } catch (caught) {
        error = asDockerError(caught);
      }
      if (run !== this.run) return;
      // A daemon that cannot parse a fractional `since` answers 400 or 500 (a ParseInt error): use seconds.
      if (since?.includes(".") && error instanceof DockerApiError && error.status >= 400) this.guard.fractionalSinceRejected();
      attempt++;
      downSince ??= Date.now();
      const retryInMs = backoffDelay(this.settings.backoff, attempt, this.settings.random);
      this.hooks.onState({ state: "disconnected", error, attempt, retryInMs });
      await this.sleep(retryInMs, run);
    }
  }

  private sleep(ms: number, run: number): Promise<void> {
    if (run !== this.run) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.wakeRetry = undefined;
        resolve();
      };
      this.wakeRetry = done;
      // Not unref'd: while someone listens, a pending reconnect is work the process waits for,
      // just as the open connection is. `stop()` clears it, so a monitor without listeners
      // (or closed) never keeps a process alive.
      this.retryTimer = setTimeout(done, ms);
    });
  }
}
