/**
 * Resuming the events stream without loss or repeats.
 *
 * After a dropped connection the monitor asks again with `since` = the last event time it
 * delivered, minus an overlap. The daemon answers with the events of its in-memory ring (256
 * events in Docker 20.10, measured) from that time on, inclusive, then the live stream. So
 * every event the daemon still holds since then comes again, and the ones already delivered
 * are recognized by their key (`timeNano|type|action|actor id`), kept for every event inside
 * the overlap. Events produced while the daemon was down do not exist, and events pushed out of
 * the ring during a long outage (more than 256) cannot be had from the daemon any more.
 *
 * Why an overlap: the daemon stamps an event before it takes the lock that appends it to the
 * ring, so concurrent events can be appended slightly out of time order; resuming a little
 * earlier than the last time seen catches an event that was stamped before it but published
 * after. The keys make the re-sent ones harmless.
 *
 * `since` precision: Docker 20.10 accepts `seconds.nanoseconds` at API 1.12 and 1.41 alike
 * (measured); the format depends on the daemon, not the API version. Daemons that send
 * `timeNano` (Docker 1.10 and later) accept it; older ones get whole seconds, and a daemon
 * that rejects a fractional `since` is asked again in seconds.
 */
import { eventKey, type DockerEvent } from "./event.js";

/** Which `since` format reconnects use. `auto`: nanoseconds once the daemon's events carry `timeNano`. */
export type SincePrecision = "auto" | "seconds" | "nanoseconds";

const NS_PER_SECOND = 1_000_000_000n;

/** De-duplication state and the `since` of the next reconnect, for one run of the stream. */
export class ReplayGuard {
  /** Start of the run (daemon time, whole seconds): nothing before it is ever asked for. */
  private floor: bigint | undefined;
  /** Highest `timeNano` admitted. */
  private watermark: bigint | undefined;
  private readonly keys = new Set<string>();
  /** Admitted events in arrival order, for pruning; `head` is the first live entry. */
  private window: Array<{ key: string; timeNano: bigint }> = [];
  private head = 0;
  /** Keys below this were pruned. */
  private prunedBelow = 0n;
  /** While a replay may re-send pruned events: drop everything below this time. */
  private replayFloor: bigint | undefined;
  private sawTimeNano = false;
  private fractionalRejected = false;

  constructor(
    private readonly overlapNs: bigint,
    private readonly precision: SincePrecision,
  ) {}

  /** A connection was made. The first one of a run fixes the floor from the daemon's `Date` header (else the local clock). */
  connected(daemonDateMs: number | undefined, localNowMs: number): void {
    if (this.floor !== undefined) return;
    const ms = daemonDateMs !== undefined && Number.isFinite(daemonDateMs) ? daemonDateMs : localNowMs;
    this.floor = BigInt(Math.floor(ms / 1000)) * NS_PER_SECOND;
  }

  /** Records `event`; false if it was admitted before (a replayed duplicate). */
  admit(event: DockerEvent): boolean {
    const t = event.timeNano;
    if (this.replayFloor !== undefined) {
      if (t < this.replayFloor) return false;
      this.replayFloor = undefined;
    }
    const key = eventKey(event);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    this.window.push({ key, timeNano: t });
    if (typeof event.raw["timeNano"] === "number") this.sawTimeNano = true;
    if (this.watermark === undefined || t > this.watermark) {
      this.watermark = t;
      this.prune();
    }
    return true;
  }

  /** The `since` query value for a reconnect; `undefined` before the first connection. */
  since(): string | undefined {
    const from = this.resumePoint();
    if (from === undefined) return undefined;
    if (from < this.prunedBelow) this.replayFloor = this.prunedBelow;
    const seconds = from / NS_PER_SECOND;
    return this.nanoseconds() ? `${seconds}.${String(from % NS_PER_SECOND).padStart(9, "0")}` : String(seconds);
  }

  /** The daemon refused a fractional `since`: use whole seconds from now on. */
  fractionalSinceRejected(): boolean {
    if (!this.nanoseconds() || this.precision === "nanoseconds") return false;
    this.fractionalRejected = true;
    return true;
  }

  /** Whether the `since` sent next is fractional. */
  nanoseconds(): boolean {
    return this.precision === "nanoseconds" || (this.precision === "auto" && this.sawTimeNano && !this.fractionalRejected);
  }

  /** `timeNano` of the newest event admitted, if any (where a replay must reach back to). */
  get lastSeen(): bigint | undefined {
    return this.watermark;
  }

  /** Number of keys held (for tests and diagnostics). */
  get size(): number {
    return this.keys.size;
  }

  private resumePoint(): bigint | undefined {
    if (this.floor === undefined) return undefined;
    let from = this.floor;
    if (this.watermark !== undefined) {
      const back = this.watermark - this.overlapNs;
      if (back > from) from = back;
    }
    return this.nanoseconds() ? from : from - (from % NS_PER_SECOND);
  }

  private prune(): void {
    const below = this.resumePoint();
    if (below === undefined || below <= this.prunedBelow) return;
    this.prunedBelow = below;
    const window = this.window;
    while (this.head < window.length && window[this.head]!.timeNano < below) {
      this.keys.delete(window[this.head]!.key);
      this.head++;
    }
    // Compact now and then, so the array does not grow with the run.
    if (this.head > 1024 && this.head * 2 > window.length) {
      this.window = window.slice(this.head);
      this.head = 0;
    }
  }
}
