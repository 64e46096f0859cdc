/**
 * Telling listeners when events may be missing (issue 16 item 5).
 *
 * A daemon keeps its recent events in a ring (256 in Docker 20.10: `daemonEventLimit`) and
 * answers `since` from it only. After an outage in which more events happened, or after the
 * daemon restarted with an empty ring that then filled, the oldest of them are gone, and the
 * replay alone does not show it. The rule here:
 *
 * - a replay whose first event is not newer than the last event already seen overlaps what the
 *   listener has: nothing is missing, whatever its length;
 * - otherwise (the ring no longer reaches back to the last event seen, or a fresh daemon never
 *   had it), if the replay holds `daemonEventLimit` events or more the ring was full and events
 *   may have been pushed out of it: a `gap` item goes to every listener, before the replayed
 *   events. A shorter replay is everything the daemon had since then.
 *
 * To put the item before the replay, the replayed events are held back while the decision is
 * open (until the limit is reached, a live event arrives, or the replay pauses for
 * `REPLAY_IDLE_MS`). A history query (`events({since, until})`) that returns the limit or
 * more gets the same item first.
 */
import type { DockerEvent } from "./event.js";
import type { EventItem } from "./subscription.js";

/** The daemon's event ring size: dockerd keeps the last 256 events (`eventsLimit`, measured on 20.10). */
export const DEFAULT_DAEMON_EVENT_LIMIT = 256;

/** How long a replay may pause before its events are handed on undecided (they come in one burst). */
export const REPLAY_IDLE_MS = 250;

/** Events may be missing here: the daemon's replay (or history answer) reached its limit. */
export interface EventGap {
  readonly kind: "gap";
  /** Events the daemon replayed (or returned) in that answer. */
  readonly replayed: number;
  /** The daemon's ring size the count reached. */
  readonly limit: number;
  /** `timeNano` of the last event seen before the outage (none for a history query). */
  readonly lastSeenNano: bigint | undefined;
  /** `timeNano` of the oldest event the daemon still had: events between the two may be lost. */
  readonly firstReplayedNano: bigint | undefined;
}

/** One sentence for a log line: what may be missing, between which times. */
export function describeEventGap(gap: EventGap): string {
  const from = gap.lastSeenNano === undefined ? "the start of the range" : isoOf(gap.lastSeenNano);
  const to = gap.firstReplayedNano === undefined ? "now" : isoOf(gap.firstReplayedNano);
  return `events may be missing between ${from} and ${to}: the daemon replayed ${gap.replayed}, its limit (${gap.limit})`;
}

function isoOf(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : `${nanos} ns`;
}

/** The gap item for a history answer of `count` events, or undefined below the limit. */
export function historyGap(items: readonly EventItem[], limit: number): EventGap | undefined {
  let count = 0;
  let first: bigint | undefined;
  for (const item of items) {
    if (item.kind !== "event") continue;
    count++;
    if (first === undefined || item.timeNano < first) first = item.timeNano;
  }
  return count >= limit ? { kind: "gap", replayed: count, limit, lastSeenNano: undefined, firstReplayedNano: first } : undefined;
}

/**
 * Watches the start of each resumed connection for a replay that reached the limit (see the file
 * comment). `emit` receives every item, in order, with the gap item where it belongs.
 */
export class ReplayGapDetector {
  /** `replay`: deciding, items held; `live`: passing everything through. */
  private phase: "replay" | "live" = "live";
  private lastSeen: bigint | undefined;
  private connectedAt = 0n;
  private count = 0;
  private first: bigint | undefined;
  private held: EventItem[] = [];
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly limit: number,
    private readonly emit: (item: EventItem) => void,
  ) {}

  /**
   * A connection opened. `resumed`: it asked for a replay (`since`); `lastSeenNano`: the newest
   * event delivered before; `connectedAtNano`: the daemon's time at connect (its `Date` header),
   * so later events are live ones.
   */
  begin(resumed: boolean, lastSeenNano: bigint | undefined, connectedAtNano: bigint): void {
    this.flush();
    this.phase = resumed ? "replay" : "live";
    this.lastSeen = lastSeenNano;
    // The Date header has whole seconds: anything within the second of the connect may be a replay.
    this.connectedAt = connectedAtNano + 1_000_000_000n;
    this.count = 0;
    this.first = undefined;
  }

  /** An item of the stream; `admitted` is false for an event the replay guard drops as a repeat. */
  offer(item: EventItem, admitted: boolean): void {
    if (this.phase === "live") {
      if (admitted) this.emit(item);
      return;
    }
    if (item.kind === "event") {
      if (!this.observe(item)) {
        if (admitted) this.emit(item);
        return;
      }
    }
    if (admitted) this.held.push(item);
    if (this.phase === "replay" && this.count >= this.limit) {
      this.emit({ kind: "gap", replayed: this.count, limit: this.limit, lastSeenNano: this.lastSeen, firstReplayedNano: this.first });
      this.flush();
      return;
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.flush(), REPLAY_IDLE_MS);
  }

  /** Hands on what is held and stops deciding (the connection ended, or the replay paused). */
  flush(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    this.phase = "live";
    const held = this.held;
    this.held = [];
    for (const item of held) this.emit(item);
  }

  /** Counts a replayed event; returns false when the decision is made without a gap (the item then goes out at once). */
  private observe(event: DockerEvent): boolean {
    const t = event.timeNano;
    if (t > this.connectedAt) {
      // A live event: the replay is over and stayed below the limit.
      this.flush();
      return false;
    }
    if (this.count === 0 && this.lastSeen !== undefined && t <= this.lastSeen) {
      // The ring still reaches back to what the listener has: nothing can be missing.
      this.flush();
      return false;
    }
    this.count++;
    if (this.first === undefined || t < this.first) this.first = t;
    return true;
  }
}
