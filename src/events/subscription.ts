/**
 * One listener's bounded queue. The monitor offers every item to every subscription without
 * waiting; each subscription delivers at its consumer's own pace, so a slow listener never
 * holds up the others. When its queue is full, new events are dropped and counted, and the
 * count is delivered in place of the gap as `{kind: "overflow", dropped}` when the listener
 * gets there: memory stays bounded and no loss goes unreported.
 */
import type { DockerError } from "../errors.js";
import type { DockerEvent } from "./event.js";
import type { EventGap } from "./gap.js";

/** Events a listener did not get because its queue was full. Delivered where the gap is. */
export interface EventOverflow {
  readonly kind: "overflow";
  /** How many events were dropped at this point. */
  readonly dropped: number;
}

/** The stream sent something that is not a valid event (or history could not be read); the stream goes on. */
export interface EventStreamError {
  readonly kind: "error";
  readonly error: DockerError;
}

/** What a listener receives: an event, an overflow of its own queue, a stream error, or a gap in the daemon's replay. */
export type EventItem = DockerEvent | EventOverflow | EventStreamError | EventGap;

/** Default capacity of each listener's queue. */
export const DEFAULT_QUEUE_SIZE = 1024;

/** A fixed-capacity FIFO with the number of items dropped just before each slot. */
class BoundedQueue {
  private readonly items: Array<EventItem | undefined>;
  private readonly gaps: Uint32Array;
  private head = 0;
  private count = 0;
  /** Dropped after the last queued item. */
  private trailingGap = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<EventItem | undefined>(capacity);
    this.gaps = new Uint32Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Queues `item`, or counts it as dropped when full. */
  offer(item: EventItem): void {
    if (this.count === this.capacity) {
      this.trailingGap++;
      return;
    }
    const slot = (this.head + this.count) % this.capacity;
    this.items[slot] = item;
    this.gaps[slot] = Math.min(this.trailingGap, 0xffffffff);
    this.trailingGap = 0;
    this.count++;
  }

  /** Next item to deliver: an overflow marker first if events were dropped before it. */
  take(): EventItem | undefined {
    if (this.count === 0) {
      if (this.trailingGap === 0) return undefined;
      const dropped = this.trailingGap;
      this.trailingGap = 0;
      return { kind: "overflow", dropped };
    }
    const gap = this.gaps[this.head]!;
    if (gap > 0) {
      this.gaps[this.head] = 0;
      return { kind: "overflow", dropped: gap };
    }
    const item = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Whether anything (an item or an overflow marker) is waiting. */
  get pending(): boolean {
    return this.count > 0 || this.trailingGap > 0;
  }
}

/** How a subscription hands items on. */
export type Consumer =
  { kind: "push"; deliver: (item: EventItem) => void | PromiseLike<void>; onError: (error: unknown) => void } | { kind: "pull" };

/** One registered listener: filter, queue and delivery. */
export class Subscription {
  private readonly queue: BoundedQueue;
  private draining = false;
  private closed = false;
  /** While true, items are queued but not delivered (a `since` listener catching up). */
  private held = false;
  /**
   * After a release: live events that repeat the history are still dropped, up to the newest
   * event of the history. A daemon whose streams lag each other (podman tails its events log in
   * each) can deliver an event on the live stream after the history that held it was released.
   */
  private repeats: { seen: (item: EventItem) => boolean; untilNano: bigint } | undefined;
  /** Pull side: `next()` calls waiting for an item, oldest first. */
  private readonly waiters: Array<{ resolve: (result: IteratorResult<EventItem>) => void; reject: (error: unknown) => void }> = [];
  private failure: unknown;

  constructor(
    private readonly filter: ((event: DockerEvent) => boolean) | undefined,
    capacity: number,
    private readonly consumer: Consumer,
  ) {
    this.queue = new BoundedQueue(capacity);
  }

  /** Offers an item from the shared stream; events the filter rejects are not queued. */
  offer(item: EventItem): void {
    if (this.closed) return;
    if (item.kind === "event" && this.filter && !this.filter(item)) return;
    if (this.repeats && item.kind === "event") {
      if (item.timeNano > this.repeats.untilNano) this.repeats = undefined;
      else if (this.repeats.seen(item)) return;
    }
    if (this.consumer.kind === "push" && !this.draining && !this.held && !this.queue.pending) {
      // An idle listener gets the item at once: a synchronous listener never queues, so only
      // a listener that is still awaiting an earlier item can fall behind and overflow.
      void this.drain(item);
      return;
    }
    this.queue.offer(item);
    this.wake();
  }

  /** Holds delivery (items still queue, and overflow, as usual). */
  hold(): void {
    this.held = true;
  }

  /**
   * Puts `first` ahead of what was queued meanwhile, minus the events `seen` says are among them;
   * resumes delivery. Later live events that `seen` names are dropped too, up to the newest event
   * of `first`.
   */
  release(first: EventItem[], seen: (item: EventItem) => boolean): void {
    const later: EventItem[] = [];
    for (let item = this.queue.take(); item !== undefined; item = this.queue.take()) later.push(item);
    for (const item of first) this.offer(item);
    for (const item of later) if (!seen(item)) this.queue.offer(item);
    let untilNano: bigint | undefined;
    for (const item of first)
      if (item.kind === "event" && (untilNano === undefined || item.timeNano > untilNano)) untilNano = item.timeNano;
    this.repeats = untilNano === undefined ? undefined : { seen, untilNano };
    this.held = false;
    this.wake();
  }

  /** Ends the subscription: a pull consumer sees the end (or `error`) after the queued items. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error;
    this.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Pull side: the next item, waiting for one if needed. */
  next(): Promise<IteratorResult<EventItem>> {
    if (this.waiters.length > 0) return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    return this.settleNext() ?? new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The next result if one is ready (an item, the end, or the failure once), else `undefined`. */
  private settleNext(): Promise<IteratorResult<EventItem>> | undefined {
    const item = this.held ? undefined : this.queue.take();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (!this.closed) return undefined;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private wake(): void {
    if (this.held) return;
    if (this.consumer.kind === "pull") {
      while (this.waiters.length > 0) {
        const result = this.settleNext();
        if (!result) return;
        const waiter = this.waiters.shift()!;
        result.then(waiter.resolve, waiter.reject);
      }
      return;
    }
    if (!this.draining && !this.closed && this.queue.pending) void this.drain();
  }

  /** Delivers `first` (if given) and then the queue, awaiting each returned promise; synchronous while the listener is. */
  private async drain(first?: EventItem): Promise<void> {
    const consumer = this.consumer as Extract<Consumer, { kind: "push" }>;
    this.draining = true;
    try {
      let item = first ?? this.queue.take();
      while (item !== undefined && !this.closed && !this.held) {
        try {
          const result = consumer.deliver(item);
          if (result !== undefined && typeof (result as PromiseLike<void>).then === "function") await result;
        } catch (error) {
          consumer.onError(error);
        }
        item = this.queue.take();
      }
    } finally {
      this.draining = false;
    }
  }
}
