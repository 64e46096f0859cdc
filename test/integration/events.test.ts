/**
 * The event monitor against the real daemon, at API 1.12 (the oldest Docker 20.10 accepts) and
 * 1.41: fan-out to ten listeners, removal, a daemon restart with listeners attached (nothing
 * lost, nothing twice, in order), slow-listener overflow, and the socket released on close
 * (the daemon's own count of event listeners, `NEventsListener` in `/info`, goes back down).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DockerApi } from "../../src/api.js";
import {
  createEventMonitor,
  describeEventGap,
  type DockerEvent,
  type EventGap,
  type EventConnectionState,
  type EventItem,
  type EventMonitor,
} from "../../src/events/index.js";
import { listedName, managedDaemon, needsManagedDaemon, onPodman, rawTestApi, testImage, uniqueName } from "../helpers/daemon.js";

const API_VERSIONS = ["1.12", "1.41"] as const;

/**
 * create, start, wait, remove: the four events `create`, `start`, `die`, `destroy` from dockerd;
 * podman 4.3 sends six, `create`, `init`, `start`, `die`, `cleanup`, `remove` (docs/podman.md).
 */
async function runContainer(docker: DockerApi<any>, name: string): Promise<string> {
  const { data } = await docker.api.POST("/containers/create", {
    params: { query: { name } },
    body: { Image: testImage(), Cmd: ["true"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } },
  });
  const id = (data as { Id: string }).Id;
  try {
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } } });
    await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } });
  } finally {
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } } });
  }
  return id;
}

/** Container events of `ids`, as `action:id` in delivery order. */
function sequence(items: EventItem[], ids: string[]): string[] {
  const events = items.filter(
    (item): item is DockerEvent => item.kind === "event" && item.type === "container" && ids.includes(item.actor.id),
  );
  // berth hands on each event once, whatever the reconnects and replays: no two share their time
  const keys = events.map((event) => `${event.action}:${event.actor.id}@${event.timeNano}`);
  expect(keys.length - new Set(keys).size).toBe(0);
  return collapseRepeats(events.map((event) => `${event.action}:${event.actor.id}`));
}

/**
 * podman 4.3 at times sends an event twice, each with its own time: `cleanup` (the service and
 * the container's conmon both clean up, the second at times after the next container's first
 * events) and `init`. Only the first is kept there, so that lifecycles compare; dockerd's
 * sequences are compared as they came.
 */
function collapseRepeats(entries: string[]): string[] {
  if (!onPodman()) return entries;
  return entries.filter((entry, i) => !(/^(cleanup|init):/.test(entry) && entries.indexOf(entry) < i));
}

const lifecycle = (id: string) =>
  (onPodman() ? ["create", "init", "start", "die", "cleanup", "remove"] : ["create", "start", "die", "destroy"]).map(
    (action) => `${action}:${id}`,
  );

/** podman 4.3 keeps no count of event listeners: `NEventsListener` in its `/info` is always 0. */
const countsListeners = () => !onPodman();

/** Restarts the daemon under test through the script that manages it (see `managedDaemon`). */
async function restartDaemon(): Promise<void> {
  const daemon = managedDaemon()!;
  await promisify(execFile)("bash", [daemon.script, "restart-daemon"], { env: daemon.env });
}

function collector() {
  const items: EventItem[] = [];
  return { items, listener: (item: EventItem) => void items.push(item) };
}

async function eventsListenerCount(docker: DockerApi<any>): Promise<number> {
  const { data } = await docker.api.GET("/info", {});
  return (data as { NEventsListener: number }).NEventsListener;
}

/** The daemon's listener count once it holds still (a connection closed just before may take a moment to go). */
async function settledListenerCount(docker: DockerApi<any>): Promise<number> {
  let last = await eventsListenerCount(docker);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const now = await eventsListenerCount(docker);
    if (now === last) return now;
    last = now;
  }
}

describe.each(API_VERSIONS)("events at API %s", (apiVersion) => {
  let docker: DockerApi<any>;
  const monitors: EventMonitor[] = [];
  beforeAll(() => {
    docker = rawTestApi({ apiVersion });
  });
  afterAll(async () => {
    for (const monitor of monitors) await monitor.close();
    await docker.close();
  });
  const monitorFor = (options: Parameters<typeof createEventMonitor>[1] = {}) => {
    const monitor = createEventMonitor(docker, options);
    monitors.push(monitor);
    return monitor;
  };

  it("ten listeners receive the same create/start/die/destroy sequence over one connection; a removed one stops receiving", async () => {
    const before = await settledListenerCount(docker);
    const monitor = monitorFor();
    const listeners = Array.from({ length: 10 }, () => collector());
    for (const { listener } of listeners) monitor.addEventListener(listener);
    await monitor.ready();
    // (the daemon may register the stream a moment after its answer's head arrived)
    if (countsListeners()) await vi.waitFor(async () => expect(await eventsListenerCount(docker)).toBe(before + 1), { timeout: 5_000 });

    const first = await runContainer(docker, uniqueName("ev-fan"));
    for (const { items } of listeners)
      await vi.waitFor(() => expect(sequence(items, [first])).toEqual(lifecycle(first)), { timeout: 10_000 });
    const event = listeners[0]!.items.find((item): item is DockerEvent => item.kind === "event" && item.actor.id === first)!;
    // Docker 20.10 sends the newer shape, legacy fields included, at 1.12 as at 1.41.
    expect(event).toMatchObject({
      type: "container",
      action: "create",
      status: "create",
      id: first,
      from: listedName(testImage()),
      scope: "local",
    });
    expect(event.timeNano / 1_000_000_000n).toBe(BigInt(event.time));

    monitor.removeEventListener(listeners[0]!.listener);
    const second = await runContainer(docker, uniqueName("ev-fan"));
    for (const { items } of listeners.slice(1))
      await vi.waitFor(() => expect(sequence(items, [second])).toEqual(lifecycle(second)), { timeout: 10_000 });
    expect(sequence(listeners[0]!.items, [second])).toEqual([]);

    for (const { listener } of listeners.slice(1)) monitor.removeEventListener(listener);
    // The connection is gone on the daemon's side too.
    await vi.waitFor(async () => expect(await eventsListenerCount(docker)).toBe(before), { timeout: 5_000 });
    if (!countsListeners()) expect(before).toBe(0);
  });

  it("a slow listener overflows its queue and is told how many it lost, while a fast one loses nothing", async () => {
    const monitor = monitorFor();
    const repo = uniqueName("ev-tag").toLowerCase();
    const tags = Array.from({ length: 12 }, (_, i) => `t${i}`);
    // Image `tag` events name the new reference; `untag` ones only the image id.
    // (podman names them fully qualified: docker.io/library/<repo>:<tag>)
    const filters = { type: "image", action: "tag", name: tags.map((tag) => listedName(`${repo}:${tag}`)) };
    const fast = collector();
    const slow: EventItem[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    monitor.addEventListener(fast.listener, { filters });
    monitor.addEventListener(
      async (item) => {
        slow.push(item);
        await gate;
      },
      { filters, queueSize: 4 },
    );
    await monitor.ready();
    try {
      for (const tag of tags)
        await docker.api.POST("/images/{name}/tag", { params: { path: { name: testImage() }, query: { repo, tag } } });
    } finally {
      for (const tag of tags)
        await docker.api.DELETE("/images/{name}", { params: { path: { name: `${repo}:${tag}` } } }).catch(() => undefined);
    }
    await vi.waitFor(() => expect(fast.items).toHaveLength(12), { timeout: 10_000 });
    expect(fast.items.map((item) => (item.kind === "event" ? item.actor.attributes["name"] : item.kind))).toEqual(
      tags.map((tag) => listedName(`${repo}:${tag}`)),
    );

    release();
    // One in hand when the gate closed, four queued, then the marker for the other seven.
    await vi.waitFor(() => expect(slow.at(-1)).toEqual({ kind: "overflow", dropped: 7 }), { timeout: 5_000 });
    expect(slow.slice(0, 5).map((item) => (item.kind === "event" ? item.actor.attributes["name"] : item.kind))).toEqual(
      tags.slice(0, 5).map((tag) => listedName(`${repo}:${tag}`)),
    );
  });

  it("events({since}) replays what the daemon holds, then goes on live", async () => {
    const before = new Date(Date.now() - 1000);
    const earlier = await runContainer(docker, uniqueName("ev-since"));
    const monitor = monitorFor();
    const controller = new AbortController();
    const seen: EventItem[] = [];
    const iterator = monitor.events({ since: before, signal: controller.signal, filters: { type: "container" } });
    const loop = (async () => {
      for await (const item of iterator) seen.push(item);
    })();
    await monitor.ready();
    const later = await runContainer(docker, uniqueName("ev-since"));
    const mine = () => {
      expect(seen.filter((item) => item.kind !== "event").map((item) => item.kind)).toEqual([]);
      return sequence(seen, [earlier, later]);
    };
    await vi.waitFor(() => expect(mine()).toEqual([...lifecycle(earlier), ...lifecycle(later)]), { timeout: 10_000 });
    controller.abort();
    await expect(loop).rejects.toThrow(/aborted/);
  });

  it("closing the monitor cancels the events connection", async () => {
    const before = await settledListenerCount(docker);
    const monitor = monitorFor();
    monitor.on(() => undefined);
    await monitor.ready();
    expect(await eventsListenerCount(docker)).toBe(countsListeners() ? before + 1 : 0);
    await monitor.close();
    await vi.waitFor(async () => expect(await eventsListenerCount(docker)).toBe(before), { timeout: 5_000 });
  });
});

describe.each(API_VERSIONS)("events across a daemon restart at API %s", (apiVersion) => {
  let docker: DockerApi<any>;
  beforeAll(() => {
    docker = rawTestApi({ apiVersion });
  });
  afterAll(async () => {
    await docker.close();
  });

  // Restart only the daemon under test, and only one this run manages (issue 15: the second test
  // once restarted the default throwaway daemon while the suite ran against another).
  it("every event before the stop and after the restart is delivered exactly once, in order", needsManagedDaemon(), async () => {
    const states: Array<EventConnectionState & { at: number }> = [];
    // A first retry 15 s after the drop (no jitter): the daemon is back after about 1.5 s (several
    // seconds on a loaded machine, where `during` too takes seconds), so the events of `during`
    // are produced while the monitor is still away and can only come back through the `since`
    // replay.
    const monitor = createEventMonitor(docker, {
      backoff: { initialDelayMs: 15_000, maxDelayMs: 15_000 },
      random: () => 0,
      onState: (state) => states.push({ ...state, at: Date.now() }),
    });
    const listeners = Array.from({ length: 3 }, () => collector());
    for (const { listener } of listeners) monitor.addEventListener(listener);
    try {
      await monitor.ready();
      const before = await runContainer(docker, uniqueName("ev-before"));
      for (const { items } of listeners)
        await vi.waitFor(() => expect(sequence(items, [before])).toEqual(lifecycle(before)), { timeout: 10_000 });

      const stoppedAt = Date.now();
      await restartDaemon();
      const restartedAt = Date.now();
      expect(monitor.state.state).toBe("disconnected");
      const during = await runContainer(docker, uniqueName("ev-during"));
      const duringDoneAt = Date.now();
      await monitor.ready();
      const after = await runContainer(docker, uniqueName("ev-after"));

      const expected = [...lifecycle(before), ...lifecycle(during), ...lifecycle(after)];
      for (const { items } of listeners) {
        await vi.waitFor(() => expect(sequence(items, [before, during, after])).toEqual(expected), { timeout: 10_000 });
        expect(items.filter((item) => item.kind !== "event")).toEqual([]);
      }
      // Nothing more arrives late (a duplicate would show up here).
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const { items } of listeners) expect(sequence(items, [before, during, after])).toEqual(expected);

      const reconnected = states.find((state) => state.state === "reconnected");
      expect(reconnected).toBeDefined();
      // `during` was over before the stream came back: its events came through the replay.
      expect(duringDoneAt).toBeLessThan(reconnected!.at);
      console.info(
        `[events] API ${apiVersion}: restart-daemon took ${restartedAt - stoppedAt} ms; stream back after ${(reconnected as { downtimeMs: number }).downtimeMs} ms ` +
          `(first retry held back to 15 s on purpose); states: ${states.map((state) => state.state).join(" → ")}`,
      );
    } finally {
      await monitor.close();
    }
  });

  it("with the default backoff the stream is back soon after the daemon", needsManagedDaemon(), async () => {
    const states: Array<EventConnectionState & { at: number }> = [];
    const monitor = createEventMonitor(docker, { onState: (state) => states.push({ ...state, at: Date.now() }) });
    const { items, listener } = collector();
    monitor.addEventListener(listener);
    try {
      await monitor.ready();
      await restartDaemon();
      const upAt = Date.now();
      await monitor.ready();
      const backAt = Date.now();
      const id = await runContainer(docker, uniqueName("ev-back"));
      await vi.waitFor(() => expect(sequence(items, [id])).toEqual(lifecycle(id)), { timeout: 10_000 });
      const reconnected = states.find((state) => state.state === "reconnected") as { downtimeMs: number; attempts: number };
      console.info(
        `[events] API ${apiVersion}: default backoff: stream down ${reconnected.downtimeMs} ms in all, back ${backAt - upAt} ms after restart-daemon returned, ${reconnected.attempts} attempts`,
      );
      expect(backAt - upAt).toBeLessThan(6000);
    } finally {
      await monitor.close();
    }
  });
});

/** `count` tag + untag events (cheap, no container): tags `testImage()` as `repo:N` and removes the tag again. */
async function tagEvents(docker: DockerApi<any>, repo: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const tag = String(next++);
      await docker.api.POST("/images/{name}/tag", { params: { path: { name: testImage() }, query: { repo, tag } } });
      await docker.api.DELETE("/images/{name}", { params: { path: { name: `${repo}:${tag}` } } });
    }
  };
  // podman 4.3 loses concurrent tag updates of one image (a tag made while another is removed
  // disappears, or a removed one comes back: docs/podman.md): one at a time there
  await Promise.all(Array.from({ length: onPodman() ? 1 : 8 }, worker));
}

// Issue 16 item 5: the daemon replays at most 256 events; more during an outage were lost silently.
describe("events: a replay or history answer that reached the daemon's limit is marked with a gap item (API 1.41)", () => {
  let docker: DockerApi<any>;
  beforeAll(() => {
    docker = rawTestApi({ apiVersion: "1.41" });
  });
  afterAll(async () => {
    await docker.close();
  });

  it(
    "regression: 300 events while the monitor is away (daemon restarted): a gap item, then the 256 the daemon kept",
    needsManagedDaemon({ timeout: 90_000 }),
    async () => {
      // First retry 8 s after the drop (no jitter), as in the restart test above: the 300 events
      // are made while the monitor is away, so they can only come back through the replay.
      // (20 s on podman, where the tags are made one at a time: see tagEvents)
      const retryMs = onPodman() ? 20_000 : 8000;
      const monitor = createEventMonitor(docker, { backoff: { initialDelayMs: retryMs, maxDelayMs: retryMs }, random: () => 0 });
      const { items, listener } = collector();
      monitor.addEventListener(listener);
      const repo = uniqueName("berth-gap");
      try {
        await monitor.ready();
        await tagEvents(docker, `${repo}-before`, 1);
        await vi.waitFor(() => expect(items.filter((i) => i.kind === "event")).not.toHaveLength(0), { timeout: 10_000 });
        await restartDaemon();
        const producedFrom = items.length;
        await tagEvents(docker, repo, 150);
        expect(monitor.state.state).toBe("disconnected");
        await monitor.ready();
        const ours = (i: EventItem) => i.kind === "event" && (i.actor.id.includes(repo) || !!i.actor.attributes["name"]?.includes(repo));
        if (onPodman()) {
          // podman keeps no ring: it replays from its events log, all 300 (150 tags, 150 removals), and berth reports no gap
          await vi.waitFor(() => expect(items.slice(producedFrom).filter(ours).length).toBeGreaterThanOrEqual(300), { timeout: 15_000 });
          expect(items.some((i) => i.kind === "gap")).toBe(false);
          return;
        }
        await vi.waitFor(() => expect(items.slice(producedFrom).some((i) => i.kind === "gap")).toBe(true), { timeout: 15_000 });
        const after = items.slice(producedFrom);
        const gapAt = after.findIndex((i) => i.kind === "gap");
        const gap = after[gapAt] as EventGap;
        expect(gap.replayed).toBeGreaterThanOrEqual(256);
        expect(gap.limit).toBe(256);
        // The gap comes before every replayed event of the outage.
        expect(after.slice(0, gapAt).filter(ours)).toEqual([]);
        const replayed = after.filter(ours).length;
        expect(replayed).toBeGreaterThan(0);
        expect(replayed).toBeLessThanOrEqual(256);
        console.info(
          `[events] gap after an outage of 300 events: ${describeEventGap(gap)}; ${replayed} of the replayed events name the tags`,
        );
      } finally {
        await monitor.close();
      }
    },
  );

  it("regression: a since/until history query cut at the daemon's limit starts with a gap item", async () => {
    const monitor = createEventMonitor(docker);
    try {
      const from = new Date();
      await tagEvents(docker, uniqueName("berth-gap-history"), 150);
      const got: EventItem[] = [];
      for await (const item of monitor.events({ since: from, until: new Date() })) got.push(item);
      if (onPodman()) {
        // podman answers from its events log, whatever the count: all of them, no gap item
        expect(got.some((i) => i.kind === "gap")).toBe(false);
        expect(got.filter((i) => i.kind === "event").length).toBeGreaterThanOrEqual(300);
        return;
      }
      expect(got[0]?.kind).toBe("gap");
      expect(got.filter((i) => i.kind === "event").length).toBeLessThanOrEqual(256);
    } finally {
      await monitor.close();
    }
  }, 60_000);
});
