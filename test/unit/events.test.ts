/**
 * The event monitor against an in-process fake daemon: a `Transport` whose `/events` answers
 * are streams the test writes into chunk by chunk (msw cannot hold a response open and feed it
 * piecewise under test control, and a socket server would add nothing the monitor can see).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDockerApi, type DockerApi } from "../../src/api.js";
import { ConnectionRefusedError, DockerAbortError, DockerApiError, DockerConnectionError, DockerProtocolError } from "../../src/errors.js";
import {
  EventMonitor,
  EventMonitorClosedError,
  ListenerAlreadyExistsError,
  NoListenersError,
  closeEventMonitor,
  createEventMonitor,
  eventMonitor,
  events,
  onEvent,
  describeEventGap,
  type EventConnectionState,
  type EventGap,
  type EventItem,
  type EventMonitorOptions,
} from "../../src/events/index.js";
import type { Transport } from "../../src/transport/types.js";

const encode = (text: string) => new TextEncoder().encode(text);
const NS = 1_000_000_000n;
const BASE = 1_795_832_105n * NS;

/** One open `/events` answer. */
class FakeStream {
  /** Why the monitor let go of the stream: the reason it cancelled the body or aborted the request with. */
  cancelled: unknown = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly body: ReadableStream<Uint8Array>;
  constructor(readonly url: URL) {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: (reason) => {
        this.cancelled = reason ?? true;
      },
    });
  }
  get query(): Record<string, string> {
    return Object.fromEntries(this.url.searchParams);
  }
  write(text: string | Uint8Array): void {
    this.controller.enqueue(typeof text === "string" ? encode(text) : text);
  }
  end(): void {
    this.controller.close();
  }
  fail(error: unknown): void {
    this.controller.error(error);
  }
}

type Answer = "stream" | "refuse" | { status: number; body: string } | { history: string };

/** A daemon behind a fake transport. Answers `/events` in the order of `script`, then with open streams. */
class FakeDaemon {
  readonly streams: FakeStream[] = [];
  readonly requests: URL[] = [];
  readonly script: Answer[] = [];
  /** The daemon clock sent in the `Date` header (default: a little before the test events). */
  dateMs: number | undefined = Number(BASE / 1_000_000n) - 5000;
  /** Answer as podman's service does (a `Libpod-Api-Version` header). */
  libpod = false;
  private opened: Array<(stream: FakeStream) => void> = [];
  readonly transport: Transport = {
    endpoint: { kind: "unix", socketPath: "/fake/docker.sock" },
    fetch: async (request) => {
      const url = new URL(request.url);
      this.requests.push(url);
      const answer = this.script.shift() ?? "stream";
      if (answer === "refuse")
        throw new ConnectionRefusedError("cannot connect to Docker endpoint unix:///fake/docker.sock", "unix:///fake/docker.sock");
      if (typeof answer === "object" && "status" in answer) return new Response(answer.body, { status: answer.status });
      if (typeof answer === "object") {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (this.libpod) headers["libpod-api-version"] = "4.3.1";
        return new Response(answer.history, { status: 200, headers });
      }
      const stream = new FakeStream(url);
      request.signal?.addEventListener("abort", () => {
        if (stream.cancelled === false) stream.cancelled = request.signal!.reason ?? true;
        stream.fail(new DockerAbortError());
      });
      this.streams.push(stream);
      for (const resolve of this.opened.splice(0)) resolve(stream);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (this.dateMs !== undefined) headers["date"] = new Date(this.dateMs).toUTCString();
      if (this.libpod) headers["libpod-api-version"] = "4.3.1";
      return new Response(stream.body, { status: 200, headers });
    },
    connect: () => Promise.reject(new Error("not used")),
    close: async () => undefined,
  };

  /** The next stream opened (or the latest one if `count` are open already). */
  async stream(count: number): Promise<FakeStream> {
    while (this.streams.length < count) await new Promise<FakeStream>((resolve) => this.opened.push(resolve));
    return this.streams[count - 1]!;
  }
}

let open: Array<{ docker: DockerApi<any>; monitor?: EventMonitor }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const { docker, monitor } of open) {
    await monitor?.close();
    await docker.close();
  }
  open = [];
});

function setup(options: EventMonitorOptions = {}) {
  const daemon = new FakeDaemon();
  const docker = createDockerApi<any>({ transport: daemon.transport, preferredVersion: "1.41", apiVersion: "1.41" });
  const states: EventConnectionState[] = [];
  const monitor = createEventMonitor(docker, { backoff: { initialDelayMs: 1, maxDelayMs: 5 }, onState: (s) => states.push(s), ...options });
  open.push({ docker, monitor });
  return { daemon, docker, monitor, states };
}

/** A newer-shape container event at BASE + `offset` ns. */
function modern(action: string, id: string, offset: bigint, name = id): string {
  const t = BASE + offset;
  return (
    `{"status":"${action}","id":"${id}","from":"busybox","Type":"container","Action":"${action}",` +
    `"Actor":{"ID":"${id}","Attributes":{"image":"busybox","name":"${name}"}},"scope":"local","time":${t / NS},"timeNano":${t}}`
  );
}

/** An API v1.10 event. */
const legacy = (action: string, id: string, time: number) => `{"status":"${action}","id":"${id}","from":"base:latest","time":${time}}`;

/** Collects what a Go-style listener receives. */
function collector() {
  const items: EventItem[] = [];
  const listener = (item: EventItem) => {
    items.push(item);
  };
  const actions = () =>
    items.map((item) =>
      item.kind === "event"
        ? `${item.action}:${item.actor.id}`
        : item.kind === "overflow"
          ? `overflow:${item.dropped}`
          : item.kind === "gap"
            ? `gap:${item.replayed}`
            : `error:${item.error.name}`,
    );
  return { items, listener, actions };
}

describe("EventMonitor: Go listener semantics", () => {
  it("opens one connection for the first listener, shares it, and closes it after the last", async () => {
    const { daemon, monitor } = setup();
    await expect(monitor.ready()).rejects.toBeInstanceOf(NoListenersError);
    const listeners = Array.from({ length: 10 }, () => collector());
    for (const { listener } of listeners) monitor.addEventListener(listener);
    await monitor.ready();
    const stream = await daemon.stream(1);
    expect(stream.url.pathname).toBe("/v1.41/events");
    expect(stream.query).toEqual({});
    stream.write(`${modern("create", "c1", 1n)}\n${modern("start", "c1", 2n)}\n`);
    stream.write(`${modern("die", "c1", 3n)}\n${modern("destroy", "c1", 4n)}\n`);
    for (const { actions } of listeners)
      await vi.waitFor(() => expect(actions()).toEqual(["create:c1", "start:c1", "die:c1", "destroy:c1"]));
    expect(daemon.requests).toHaveLength(1);

    // A removed listener gets nothing more; the others do.
    expect(monitor.removeEventListener(listeners[0]!.listener)).toBe(true);
    stream.write(`${modern("create", "c2", 5n)}\n`);
    await vi.waitFor(() => expect(listeners[1]!.actions()).toContain("create:c2"));
    expect(listeners[0]!.actions()).not.toContain("create:c2");

    for (const { listener } of listeners.slice(1)) monitor.removeEventListener(listener);
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(NoListenersError));
    expect(monitor.state).toEqual({ state: "idle" });
    expect(monitor.listenerCount).toBe(0);
  });

  it("throws ListenerAlreadyExistsError for a listener added twice; removing an unknown one is a no-op", () => {
    const { monitor } = setup();
    const { listener } = collector();
    monitor.addEventListener(listener);
    expect(() => monitor.addEventListener(listener)).toThrow(ListenerAlreadyExistsError);
    expect(() => monitor.addEventListener(listener)).toThrow("listener already exists for docker events");
    expect(monitor.removeEventListener(() => undefined)).toBe(false);
    expect(monitor.removeEventListener(listener)).toBe(true);
    expect(monitor.removeEventListener(listener)).toBe(false);
  });

  it("rejects a pending ready() with NoListenersError when the last listener leaves", async () => {
    const { daemon, monitor } = setup();
    daemon.script.push("refuse", "refuse", "refuse");
    const { listener } = collector();
    monitor.addEventListener(listener);
    const ready = monitor.ready();
    monitor.removeEventListener(listener);
    await expect(ready).rejects.toThrow("no listeners present to receive event");
  });

  it("opens a new connection, live from then on, when a listener comes after the last left", async () => {
    const { daemon, monitor } = setup();
    const first = collector();
    monitor.addEventListener(first.listener);
    (await daemon.stream(1)).write(`${modern("create", "c1", 1n)}\n`);
    await vi.waitFor(() => expect(first.actions()).toEqual(["create:c1"]));
    monitor.removeEventListener(first.listener);
    monitor.addEventListener(first.listener);
    const second = await daemon.stream(2);
    expect(second.query).toEqual({});
  });
});

describe("EventMonitor: the stream", () => {
  it("parses objects back to back without newlines, split at every 7th byte", async () => {
    const text =
      legacy("create", "dfdf82bd3881", 1374067924) +
      legacy("start", "dfdf82bd3881", 1374067924) +
      legacy("stop", "dfdf82bd3881", 1374067966);
    const bytes = encode(text);
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const { daemon, monitor } = setup();
      const { listener, actions } = collector();
      monitor.addEventListener(listener);
      const stream = await daemon.stream(1);
      stream.write(bytes.subarray(0, cut));
      stream.write(bytes.subarray(cut));
      await vi.waitFor(() =>
        expect(actions(), `cut at ${cut}`).toEqual(["create:dfdf82bd3881", "start:dfdf82bd3881", "stop:dfdf82bd3881"]),
      );
      await monitor.close();
    }
  });

  it("normalizes the v1.10 and the newer shape to one type", async () => {
    const { daemon, monitor } = setup();
    const { listener, items } = collector();
    monitor.addEventListener(listener);
    const stream = await daemon.stream(1);
    stream.write(legacy("create", "dfdf82bd3881", 1374067924));
    stream.write(`\n${modern("die", "c1", 785322834n)}\n`);
    await vi.waitFor(() => expect(items).toHaveLength(2));
    expect(items[0]).toMatchObject({
      kind: "event",
      type: "container",
      action: "create",
      actor: { id: "dfdf82bd3881", attributes: { image: "base:latest" } },
      time: 1374067924,
      timeNano: 1374067924n * NS,
      from: "base:latest",
    });
    expect(items[1]).toMatchObject({
      kind: "event",
      type: "container",
      action: "die",
      actor: { id: "c1", attributes: { name: "c1" } },
      scope: "local",
      timeNano: BASE + 785322834n,
    });
  });

  it("hands a malformed line to listeners as a typed error and goes on", async () => {
    const { daemon, monitor } = setup();
    const { listener, items, actions } = collector();
    monitor.addEventListener(listener);
    const stream = await daemon.stream(1);
    stream.write(`${modern("create", "c1", 1n)}\n{"status":"start","id":}\n[1,2]\n${modern("start", "c1", 2n)}\n`);
    await vi.waitFor(() => expect(actions()).toEqual(["create:c1", "error:DockerProtocolError", "error:DockerProtocolError", "start:c1"]));
    const error = (items[1] as Extract<EventItem, { kind: "error" }>).error;
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(error.code).toBe("ERR_PROTOCOL");
    expect(daemon.requests).toHaveLength(1);
  });

  // Issue 16 item 1: after `{"a":` and a newline, 200 valid events came through as 0 events and 0 errors.
  it("regression: a cut-off event is one error item; the 200 events after it all reach every listener", async () => {
    const { daemon, monitor } = setup();
    const listeners = [collector(), collector()];
    for (const { listener } of listeners) monitor.addEventListener(listener);
    const stream = await daemon.stream(1);
    stream.write(`${modern("create", "c0", 1n)}\n{"a":\n`);
    for (let n = 1; n <= 200; n++) stream.write(`${modern("start", `c${n}`, BigInt(n + 1))}\n`);
    for (const { actions } of listeners) {
      await vi.waitFor(() => expect(actions()).toHaveLength(202));
      expect(actions().filter((a) => a.startsWith("error"))).toEqual(["error:DockerProtocolError"]);
      expect(actions()[1]).toBe("error:DockerProtocolError");
    }
    expect(daemon.requests).toHaveLength(1);
  });
});

describe("EventMonitor: reconnecting", () => {
  it("resumes from the last event after a drop, de-duplicates the replay, and reports the states (the Go monitor lost them)", async () => {
    const { daemon, monitor, states } = setup({ replayOverlapMs: 0 });
    const { listener, actions } = collector();
    monitor.addEventListener(listener);
    const first = await daemon.stream(1);
    first.write(`${modern("create", "c1", 100n)}\n${modern("start", "c1", 200n)}\n`);
    await vi.waitFor(() => expect(actions()).toHaveLength(2));
    first.fail(new DockerConnectionError("socket hang up", "unix:///fake/docker.sock"));

    const second = await daemon.stream(2);
    expect(second.query).toEqual({ since: `${BASE / NS}.000000200` });
    // The daemon replays from `since` inclusive: the start again, then what the monitor missed.
    second.write(`${modern("start", "c1", 200n)}\n${modern("die", "c1", 300n)}\n${modern("destroy", "c1", 400n)}\n`);
    await vi.waitFor(() => expect(actions()).toEqual(["create:c1", "start:c1", "die:c1", "destroy:c1"]));

    expect(states.map((s) => s.state)).toEqual(["connected", "disconnected", "reconnected"]);
    const disconnected = states[1] as Extract<EventConnectionState, { state: "disconnected" }>;
    expect(disconnected.error).toBeInstanceOf(DockerConnectionError);
    expect(disconnected.attempt).toBe(1);
  });

  it("with the default overlap, replays the last second and drops every repeat", async () => {
    const { daemon, monitor } = setup();
    const { listener, actions } = collector();
    monitor.addEventListener(listener);
    const first = await daemon.stream(1);
    first.write(`${modern("create", "c1", 100n)}\n${modern("start", "c1", 200n)}\n`);
    await vi.waitFor(() => expect(actions()).toHaveLength(2));
    first.end();
    const second = await daemon.stream(2);
    expect(second.query.since).toBe(`${BASE / NS - 1n}.000000200`);
    second.write(`${modern("create", "c1", 100n)}\n${modern("start", "c1", 200n)}\n${modern("die", "c1", 300n)}\n`);
    await vi.waitFor(() => expect(actions()).toEqual(["create:c1", "start:c1", "die:c1"]));
  });

  it("uses whole seconds with a daemon whose events carry no timeNano (v1.10), still without repeats", async () => {
    const { daemon, monitor } = setup();
    daemon.dateMs = 1374067900_000;
    const { listener, actions } = collector();
    monitor.addEventListener(listener);
    const first = await daemon.stream(1);
    first.write(legacy("create", "a", 1374067924) + legacy("start", "a", 1374067924));
    await vi.waitFor(() => expect(actions()).toHaveLength(2));
    first.end();
    const second = await daemon.stream(2);
    expect(second.query).toEqual({ since: "1374067923" });
    second.write(legacy("create", "a", 1374067924) + legacy("start", "a", 1374067924) + legacy("die", "a", 1374067925));
    await vi.waitFor(() => expect(actions()).toEqual(["create:a", "start:a", "die:a"]));
  });

  it("resumes from the connection time when the connection dropped before any event", async () => {
    const { daemon, monitor } = setup();
    daemon.dateMs = undefined;
    monitor.addEventListener(() => undefined);
    const first = await daemon.stream(1);
    const before = Math.floor(Date.now() / 1000);
    first.end();
    const since = Number((await daemon.stream(2)).query.since);
    expect(since).toBeGreaterThanOrEqual(before - 1);
    expect(since).toBeLessThanOrEqual(before);
  });

  it("falls back to whole seconds when the daemon rejects a fractional since", async () => {
    const { daemon, monitor } = setup();
    monitor.addEventListener(() => undefined);
    const first = await daemon.stream(1);
    first.write(`${modern("create", "c1", 100n)}\n`);
    await vi.waitFor(() => expect(monitor.state.state).toBe("connected"));
    daemon.script.push({ status: 500, body: '{"message":"strconv.ParseInt: parsing \\"1795832104.000000100\\": invalid syntax"}' });
    first.end();
    const second = await daemon.stream(2);
    expect(daemon.requests[1]!.searchParams.get("since")).toBe(`${BASE / NS - 1n}.000000100`);
    expect(second.query).toEqual({ since: `${BASE / NS - 1n}` });
  });

  it("issue 15: with podman (which answers a fractional since with nothing, no error) resumes in whole seconds", async () => {
    const { daemon, monitor } = setup();
    daemon.libpod = true;
    const { listener, actions } = collector();
    monitor.addEventListener(listener);
    const first = await daemon.stream(1);
    first.write(`${modern("create", "c1", 100n)}\n${modern("start", "c1", 200n)}\n`);
    await vi.waitFor(() => expect(actions()).toHaveLength(2));
    first.end();
    const second = await daemon.stream(2);
    expect(second.query).toEqual({ since: `${BASE / NS - 1n}` });
    second.write(`${modern("create", "c1", 100n)}\n${modern("start", "c1", 200n)}\n${modern("die", "c1", 300n)}\n`);
    await vi.waitFor(() => expect(actions()).toEqual(["create:c1", "start:c1", "die:c1"]));
  });

  it("retries forever with capped, jittered exponential backoff (the Go monitor gave up after five quick retries)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const randoms = [0, 0.5, 0.999, 0.25, 0, 0, 0, 0.5, 0, 0, 0, 0];
    const { daemon, monitor, states } = setup({ backoff: { initialDelayMs: 100, maxDelayMs: 1000 }, random: () => randoms.shift() ?? 0 });
    daemon.script.push(...Array<Answer>(12).fill("refuse"));
    monitor.addEventListener(() => undefined);
    const times: number[] = [];
    const start = Date.now();
    while (daemon.streams.length === 0) {
      await vi.advanceTimersByTimeAsync(1);
      if (daemon.requests.length > times.length) times.push(Date.now() - start);
    }
    const delays = states.filter((s) => s.state === "disconnected").map((s) => (s as { retryInMs: number }).retryInMs);
    // nominal 100, 200, 400, 800, then capped at 1000; each times (1 - 0.5 * random)
    expect(delays).toEqual([100, 150, 200, 700, 1000, 1000, 1000, 750, 1000, 1000, 1000, 1000]);
    // the requests happened at those delays (within the 1 ms steps of the loop above)
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    gaps.forEach((gap, i) => expect(Math.abs(gap - delays[i]!)).toBeLessThanOrEqual(2));
    expect(states.at(-1)).toEqual({ state: "connected" });
    const refused = states[0] as Extract<EventConnectionState, { state: "disconnected" }>;
    expect(refused.error).toBeInstanceOf(ConnectionRefusedError);
    await monitor.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("reports API errors of the events request and retries them too", async () => {
    const { daemon, monitor, states } = setup();
    daemon.script.push({ status: 500, body: '{"message":"boom"}' });
    monitor.addEventListener(() => undefined);
    await daemon.stream(1);
    await monitor.ready();
    expect((states[0] as Extract<EventConnectionState, { state: "disconnected" }>).error).toBeInstanceOf(DockerApiError);
  });
});

describe("EventMonitor: slow listeners", () => {
  it("a slow listener overflows its bounded queue and is told how many it lost; a fast one loses nothing", async () => {
    const { daemon, monitor } = setup({ queueSize: 8 });
    const fast = collector();
    const slow = collector();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    monitor.addEventListener(fast.listener);
    monitor.addEventListener(async (item) => {
      slow.items.push(item);
      await gate;
    });
    const stream = await daemon.stream(1);
    const lines = Array.from({ length: 50 }, (_, i) => modern("start", `c${i}`, BigInt(i + 1)));
    stream.write(lines.join("\n") + "\n");
    await vi.waitFor(() => expect(fast.items).toHaveLength(50));
    expect(slow.items).toHaveLength(1);
    release();
    // The slow one got the first (in hand), then its 8 queued, then the overflow marker for the other 41.
    await vi.waitFor(() => expect(slow.actions()).toHaveLength(10));
    expect(slow.actions()).toEqual([...Array.from({ length: 9 }, (_, i) => `start:c${i}`), "overflow:41"]);
    // Caught up, it receives again.
    stream.write(modern("die", "c0", 100n) + "\n");
    await vi.waitFor(() => expect(slow.actions().at(-1)).toBe("die:c0"));
    expect(fast.actions().at(-1)).toBe("die:c0");
  });

  it("delivers the overflow marker at the place of the gap", async () => {
    const { daemon, monitor } = setup({ queueSize: 2 });
    const it = monitor.events();
    const stream = await daemon.stream(1);
    stream.write([1, 2, 3, 4, 5].map((i) => modern("start", `c${i}`, BigInt(i))).join("\n") + "\n");
    await vi.waitFor(async () => expect(monitor.state.state).toBe("connected"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const first = [await it.next(), await it.next()].map((r) => (r.value as EventItem).kind);
    expect(first).toEqual(["event", "event"]);
    stream.write(modern("start", "c6", 6n) + "\n");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await it.next()).value).toEqual({ kind: "overflow", dropped: 3 });
    expect(((await it.next()).value as { actor: { id: string } }).actor.id).toBe("c6");
    await it.return!();
  });
});

// Issue 16 item 5: a replay that reached the daemon's limit lost older events without a word.
describe("EventMonitor: gaps in the daemon's replay", () => {
  /** Connects, delivers `seen` events, drops the connection; the daemon clock is then past every test event. */
  async function afterOutage(options: EventMonitorOptions, seen: bigint[]) {
    const ctx = setup({ replayOverlapMs: 0, ...options });
    const { listener, actions, items } = collector();
    ctx.monitor.addEventListener(listener);
    const first = await ctx.daemon.stream(1);
    first.write(seen.map((t, n) => `${modern("start", `s${n}`, t)}\n`).join(""));
    await vi.waitFor(() => expect(actions()).toHaveLength(seen.length));
    ctx.daemon.dateMs = Number(BASE / 1_000_000n) + 60_000;
    first.fail(new DockerConnectionError("socket hang up", "unix:///fake/docker.sock"));
    return { ...ctx, actions, items, second: await ctx.daemon.stream(2) };
  }
  const replay = (from: number, count: number) =>
    Array.from({ length: count }, (_, n) => `${modern("die", `r${from + n}`, BigInt(1000 + from + n))}\n`).join("");

  it("regression: a replay of daemonEventLimit events, all newer than the last one seen, starts with a gap item", async () => {
    const { second, actions, items } = await afterOutage({ daemonEventLimit: 4 }, [100n]);
    second.write(replay(0, 4) + replay(4, 2));
    await vi.waitFor(() => expect(actions()).toHaveLength(8));
    expect(actions()).toEqual(["start:s0", "gap:4", "die:r0", "die:r1", "die:r2", "die:r3", "die:r4", "die:r5"]);
    const gap = items[1] as EventGap;
    expect(gap).toEqual({ kind: "gap", replayed: 4, limit: 4, lastSeenNano: BASE + 100n, firstReplayedNano: BASE + 1000n });
    expect(describeEventGap(gap)).toMatch(
      /^events may be missing between 20\d\d-.*Z and 20\d\d-.*Z: the daemon replayed 4, its limit \(4\)$/,
    );
  });

  it("no gap when the replay reaches back to the last event seen, however long it is", async () => {
    const { second, actions } = await afterOutage({ daemonEventLimit: 4 }, [100n]);
    second.write(`${modern("start", "s0", 100n)}\n${replay(0, 6)}`);
    await vi.waitFor(() => expect(actions()).toHaveLength(7));
    expect(actions()).not.toContain("gap:6");
    expect(actions().filter((a) => a.startsWith("gap"))).toEqual([]);
  });

  it("no gap for a short replay of a fresh daemon: its events are handed on once it pauses, or at the first live event", async () => {
    const { daemon, second, actions } = await afterOutage({ daemonEventLimit: 4 }, [100n]);
    second.write(replay(0, 3));
    await vi.waitFor(() => expect(actions()).toEqual(["start:s0", "die:r0", "die:r1", "die:r2"]), { timeout: 5_000 });
    const live = BigInt(daemon.dateMs!) * 1_000_000n - BASE + 5n * NS;
    second.write(`${modern("start", "late", live)}\n`);
    await vi.waitFor(() => expect(actions()).toHaveLength(5));
    expect(actions().filter((a) => a.startsWith("gap"))).toEqual([]);
  });

  it("regression: a history answer of daemonEventLimit events starts with a gap item; a shorter one has none", async () => {
    const { daemon, monitor } = setup({ daemonEventLimit: 3 });
    for (const count of [3, 2]) {
      daemon.script.push({ history: replay(0, count) });
      const got: EventItem[] = [];
      for await (const item of monitor.events({ since: 0, until: Number(BASE / NS) + 1 })) got.push(item);
      expect(got.map((i) => i.kind)).toEqual(count === 3 ? ["gap", "event", "event", "event"] : ["event", "event"]);
    }
  });

  it("no gap from podman (Libpod-Api-Version): it answers from its events log, however many (issue 15)", async () => {
    const { daemon, monitor } = setup({ daemonEventLimit: 3 });
    daemon.libpod = true;
    daemon.script.push({ history: replay(0, 5) });
    const got: EventItem[] = [];
    for await (const item of monitor.events({ since: 0, until: Number(BASE / NS) + 1 })) got.push(item);
    expect(got.map((i) => i.kind)).toEqual(["event", "event", "event", "event", "event"]);
  });

  it("no gap in a replay from podman either", async () => {
    const ctx = setup({ replayOverlapMs: 0, daemonEventLimit: 4, sincePrecision: "seconds" });
    ctx.daemon.libpod = true;
    const { listener, actions } = collector();
    ctx.monitor.addEventListener(listener);
    const first = await ctx.daemon.stream(1);
    first.write(`${modern("start", "s0", 100n)}\n`);
    await vi.waitFor(() => expect(actions()).toHaveLength(1));
    ctx.daemon.dateMs = Number(BASE / 1_000_000n) + 60_000;
    first.fail(new DockerConnectionError("socket hang up", "unix:///fake/docker.sock"));
    const second = await ctx.daemon.stream(2);
    second.write(replay(0, 6));
    await vi.waitFor(() => expect(actions()).toHaveLength(7));
    expect(actions()).toEqual(["start:s0", "die:r0", "die:r1", "die:r2", "die:r3", "die:r4", "die:r5"]);
  });

  it("daemonEventLimit must be a positive integer", () => {
    expect(() => setup({ daemonEventLimit: 0 })).toThrow(/daemonEventLimit/);
  });
});

describe("EventMonitor: idiomatic forms", () => {
  it("events() iterates with filters, ends on close, throws DockerAbortError on abort", async () => {
    const { daemon, monitor } = setup();
    const controller = new AbortController();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const item of monitor.events({ signal: controller.signal, filters: { action: ["die", "destroy"], name: "web" } })) {
        if (item.kind === "event") seen.push(`${item.action}:${item.actor.attributes["name"]}`);
        if (seen.length === 2) controller.abort();
      }
    })();
    const stream = await daemon.stream(1);
    stream.write(
      [
        modern("create", "a", 1n, "web"),
        modern("die", "a", 2n, "web"),
        modern("die", "b", 3n, "db"),
        modern("destroy", "a", 4n, "web"),
      ].join("\n") + "\n",
    );
    await expect(loop).rejects.toBeInstanceOf(DockerAbortError);
    expect(seen).toEqual(["die:web", "destroy:web"]);
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(NoListenersError));

    const it = monitor.events();
    const next = it.next();
    await monitor.close();
    expect(await next).toEqual({ value: undefined, done: true });
  });

  it("on() returns an unsubscribe function and honours its signal", async () => {
    const { daemon, monitor } = setup();
    const a = collector();
    const b = collector();
    const controller = new AbortController();
    const off = monitor.on(a.listener, { filters: { type: "container" } });
    monitor.on(b.listener, { signal: controller.signal });
    const stream = await daemon.stream(1);
    stream.write(modern("create", "c1", 1n) + "\n");
    await vi.waitFor(() => expect(b.items).toHaveLength(1));
    off();
    controller.abort();
    expect(monitor.listenerCount).toBe(0);
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(NoListenersError));
  });

  it("events(docker) and onEvent(docker) share the client's lazily made monitor", async () => {
    const daemon = new FakeDaemon();
    const docker = createDockerApi<any>({ transport: daemon.transport, preferredVersion: "1.41", apiVersion: "1.41" });
    open.push({ docker, monitor: eventMonitor(docker) });
    expect(eventMonitor(docker)).toBe(eventMonitor(docker));
    const it = events(docker);
    const got: EventItem[] = [];
    const off = onEvent(docker, (item) => void got.push(item));
    const stream = await daemon.stream(1);
    stream.write(modern("create", "c1", 1n) + "\n");
    expect(((await it.next()).value as { action: string }).action).toBe("create");
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(daemon.requests).toHaveLength(1);
    off();
    await it.return!();
  });

  it("closeEventMonitor(docker) (for the client's close) closes the client's monitor and releases its stream", async () => {
    const daemon = new FakeDaemon();
    const docker = createDockerApi<any>({ transport: daemon.transport, preferredVersion: "1.41", apiVersion: "1.41" });
    open.push({ docker });
    const monitor = eventMonitor(docker);
    const it = events(docker);
    const stream = await daemon.stream(1);
    await closeEventMonitor(docker);
    expect(monitor.state).toEqual({ state: "closed" });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(EventMonitorClosedError));
    // A later use gets a fresh monitor.
    expect(eventMonitor(docker)).not.toBe(monitor);
  });

  it("closing the client stops its monitor and releases the events stream", async () => {
    const daemon = new FakeDaemon();
    const docker = createDockerApi<any>({ transport: daemon.transport, preferredVersion: "1.41", apiVersion: "1.41" });
    const monitor = eventMonitor(docker);
    const it = events(docker);
    const stream = await daemon.stream(1);
    await docker.close();
    await vi.waitFor(() => expect(monitor.state).toEqual({ state: "closed" }));
    expect(await it.next()).toEqual({ value: undefined, done: true });
    await vi.waitFor(() => expect(stream.cancelled).toBeDefined());
    // A monitor made with its own signal is still bound to the client's life.
    const docker2 = createDockerApi<any>({ transport: daemon.transport, preferredVersion: "1.41", apiVersion: "1.41" });
    const own = createEventMonitor(docker2, { signal: new AbortController().signal });
    await docker2.close();
    expect(own.state).toEqual({ state: "closed" });
  });

  it("concurrent next() calls are answered in order", async () => {
    const { daemon, monitor } = setup();
    const it = monitor.events();
    const first = it.next();
    const second = it.next();
    (await daemon.stream(1)).write(`${modern("create", "c1", 1n)}\n${modern("start", "c1", 2n)}\n`);
    expect(((await first).value as { action: string }).action).toBe("create");
    expect(((await second).value as { action: string }).action).toBe("start");
    await it.return!();
  });

  it("events({since}) reads the daemon's history first, then live events, without repeats", async () => {
    const { daemon, monitor } = setup();
    const live = monitor.events();
    const stream = await daemon.stream(1);
    await monitor.ready();
    daemon.script.push({ history: [modern("create", "c1", 100n), modern("start", "c1", 200n)].join("\n") + "\n" });
    const since = new Date(Number((BASE + 50n) / 1_000_000n));
    const it = monitor.events({ since });
    // A live event that is also in the history, and one after it.
    stream.write(`${modern("start", "c1", 200n)}\n${modern("die", "c1", 300n)}\n`);
    const actions: string[] = [];
    for (let i = 0; i < 3; i++) actions.push(((await it.next()).value as { action: string }).action);
    expect(actions).toEqual(["create", "start", "die"]);
    const history = daemon.requests[1]!;
    expect(history.searchParams.get("since")).toBe(String(BASE / NS));
    expect(Number(history.searchParams.get("until"))).toBeGreaterThan(0);
    await it.return!();
    await live.return!();
  });

  it("events({since}) drops a live repeat of the history that arrives after it (podman's streams lag each other, issue 15)", async () => {
    const { daemon, monitor } = setup();
    const live = monitor.events();
    const stream = await daemon.stream(1);
    await monitor.ready();
    daemon.script.push({ history: [modern("create", "c1", 100n), modern("start", "c1", 200n)].join("\n") + "\n" });
    const it = monitor.events({ since: new Date(Number((BASE + 50n) / 1_000_000n)) });
    const actions: string[] = [];
    for (let i = 0; i < 2; i++) actions.push(((await it.next()).value as { action: string }).action);
    // the history is out; now the live stream brings its copy of `start`, then newer events
    stream.write(`${modern("start", "c1", 200n)}\n${modern("die", "c1", 300n)}\n`);
    actions.push(((await it.next()).value as { action: string }).action);
    expect(actions).toEqual(["create", "start", "die"]);
    await it.return!();
    await live.return!();
  });

  it("events({until}) is one bounded request of its own", async () => {
    const { daemon, monitor } = setup();
    daemon.script.push({ history: `${modern("create", "c1", 100n)}\n${modern("die", "c1", 300n)}\n` });
    const got: string[] = [];
    for await (const item of monitor.events({ since: 0, until: Number(BASE / NS) + 1, filters: { action: "die" } })) {
      if (item.kind === "event") got.push(item.action);
    }
    expect(got).toEqual(["die"]);
    expect(daemon.streams).toHaveLength(0);
  });

  it("a throwing listener does not disturb the others; its error goes to onListenerError", async () => {
    const errors: unknown[] = [];
    const { daemon, monitor } = setup({ onListenerError: (error) => errors.push(error) });
    const good = collector();
    monitor.addEventListener(() => {
      throw new Error("listener bug");
    });
    monitor.addEventListener(good.listener);
    const stream = await daemon.stream(1);
    stream.write(`${modern("create", "c1", 1n)}\n${modern("start", "c1", 2n)}\n`);
    await vi.waitFor(() => expect(good.items).toHaveLength(2));
    expect(errors).toHaveLength(2);
  });
});

describe("EventMonitor: closing", () => {
  it("close() cancels the body, clears the retry timer, ends every listener and refuses new ones", async () => {
    const { daemon, monitor, states } = setup();
    const it = monitor.events();
    const stream = await daemon.stream(1);
    await monitor.close();
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(EventMonitorClosedError));
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(states.at(-1)).toEqual({ state: "closed" });
    expect(() => monitor.addEventListener(() => undefined)).toThrow(EventMonitorClosedError);
    await expect(monitor.ready()).rejects.toBeInstanceOf(EventMonitorClosedError);
    await monitor.close();
  });

  it("close() during a backoff wait leaves no timer behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { daemon, monitor } = setup({ backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    daemon.script.push("refuse");
    monitor.addEventListener(() => undefined);
    await vi.waitFor(() => expect(monitor.state.state).toBe("disconnected"));
    expect(vi.getTimerCount()).toBe(1);
    await monitor.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborting the lifetime signal closes the monitor", async () => {
    const lifetime = new AbortController();
    const { daemon, monitor } = setup({ signal: lifetime.signal });
    monitor.addEventListener(() => undefined);
    const stream = await daemon.stream(1);
    lifetime.abort();
    expect(monitor.state).toEqual({ state: "closed" });
    await vi.waitFor(() => expect(stream.cancelled).toBeInstanceOf(EventMonitorClosedError));
  });

  it("removing the listener while the request is in flight aborts the request", async () => {
    const { daemon, monitor } = setup();
    let signal: AbortSignal | undefined;
    const fetch = daemon.transport.fetch;
    (daemon.transport as { fetch: Transport["fetch"] }).fetch = (request) => {
      signal = request.signal ?? undefined;
      return new Promise(() => undefined);
    };
    const { listener } = collector();
    monitor.addEventListener(listener);
    await vi.waitFor(() => expect(signal).toBeDefined());
    monitor.removeEventListener(listener);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(NoListenersError);
    (daemon.transport as { fetch: Transport["fetch"] }).fetch = fetch;
  });
});
