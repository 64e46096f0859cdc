/**
 * The pure parts of the event monitor: normalizing both event shapes, keys, client-side
 * filters, backoff delays and the replay guard's `since` and de-duplication.
 */
import { describe, expect, it } from "vitest";
import { DockerProtocolError, InvalidOptionError } from "../../src/errors.js";
import { backoffDelay, resolveBackoff } from "../../src/events/backoff.js";
import { eventKey, normalizeEvent, type DockerEvent } from "../../src/events/event.js";
import { compileEventFilters } from "../../src/events/filter.js";
import { ReplayGuard } from "../../src/events/replay-guard.js";
import { formatEventTime } from "../../src/events/stream.js";

const parse = (text: string) => normalizeEvent(JSON.parse(text), text);

// The example of API v1.10 "Monitor Docker's events".
const legacyCreate = '{"status":"create","id":"dfdf82bd3881","from":"base:latest","time":1374067924}';
// What Docker 20.10 sends (measured, at API 1.12 and 1.41 alike).
const modernDie =
  '{"status":"die","id":"7e6e3f4b3d96","from":"berth-test/busybox:latest","Type":"container","Action":"die",' +
  '"Actor":{"ID":"7e6e3f4b3d96","Attributes":{"exitCode":"0","image":"berth-test/busybox:latest","name":"evprobe1"}},' +
  '"scope":"local","time":1795832105,"timeNano":1795832105785322834}';

describe("normalizeEvent", () => {
  it("normalizes the API v1.10 shape", () => {
    const event = parse(legacyCreate);
    expect(event).toMatchObject({
      kind: "event",
      type: "container",
      action: "create",
      actor: { id: "dfdf82bd3881", attributes: { image: "base:latest" } },
      time: 1374067924,
      timeNano: 1374067924000000000n,
      status: "create",
      id: "dfdf82bd3881",
      from: "base:latest",
      scope: undefined,
    });
    expect(event.raw).toEqual(JSON.parse(legacyCreate));
  });

  it("takes a legacy event without `from` for an image event when its status is an image action", () => {
    expect(parse('{"status":"untag","id":"b750fe79269d","time":1374067970}').type).toBe("image");
    expect(parse('{"status":"delete","id":"b750fe79269d","time":1374067970}').type).toBe("image");
  });

  it("normalizes the newer shape with the exact timeNano (beyond 2^53)", () => {
    const event = parse(modernDie);
    expect(event).toMatchObject({
      type: "container",
      action: "die",
      actor: { id: "7e6e3f4b3d96", attributes: { exitCode: "0", name: "evprobe1", image: "berth-test/busybox:latest" } },
      scope: "local",
      time: 1795832105,
      timeNano: 1795832105785322834n,
      status: "die",
      from: "berth-test/busybox:latest",
    });
    // JSON.parse alone rounds it:
    expect(BigInt(JSON.parse(modernDie).timeNano)).not.toBe(1795832105785322834n);
  });

  it("normalizes events of other types (no legacy fields)", () => {
    const event = parse(
      '{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{"container":"c1","name":"none","type":"null"}},"scope":"local","time":1795832105,"timeNano":1795832105000000001}',
    );
    expect(event).toMatchObject({
      type: "network",
      action: "connect",
      actor: { id: "n1" },
      status: undefined,
      id: undefined,
      from: undefined,
    });
  });

  it("rejects what is not an event with DockerProtocolError", () => {
    expect(() => normalizeEvent([1, 2])).toThrow(DockerProtocolError);
    expect(() => normalizeEvent({ id: "x", time: 1 })).toThrow(/neither Action nor status/);
    expect(() => normalizeEvent({ status: "start" })).toThrow(/no time/);
  });

  it("keys events by timeNano, type, action and actor id", () => {
    expect(eventKey(parse(modernDie))).toBe("1795832105785322834|container|die|7e6e3f4b3d96");
  });
});

describe("compileEventFilters", () => {
  const die = parse(modernDie);
  const match = (filters: Parameters<typeof compileEventFilters>[0], event: DockerEvent = die) =>
    compileEventFilters(filters)?.(event) ?? true;

  it("accepts everything without filters", () => {
    expect(compileEventFilters(undefined)).toBeUndefined();
    expect(compileEventFilters({ type: [] })).toBeUndefined();
  });

  it("matches type, action, id (full or short), name and image; AND across keys, OR within", () => {
    expect(match({ type: "container" })).toBe(true);
    expect(match({ type: "image" })).toBe(false);
    expect(match({ action: ["start", "die"] })).toBe(true);
    expect(match({ id: "7e6e" })).toBe(true);
    expect(match({ id: "7e6" })).toBe(false);
    expect(match({ name: "evprobe1" })).toBe(true);
    expect(match({ name: "/evprobe1" })).toBe(true);
    expect(match({ image: "berth-test/busybox" })).toBe(true);
    expect(match({ image: "berth-test/busybox:1" })).toBe(false);
    expect(match({ type: "container", action: "start" })).toBe(false);
  });

  it("matches exec actions by their verb", () => {
    const exec = parse(
      '{"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":"c1","Attributes":{}},"time":1,"timeNano":1000000000}',
    );
    expect(match({ action: "exec_start" }, exec)).toBe(true);
  });

  it("matches legacy events by `from`", () => {
    expect(match({ image: "base" }, parse(legacyCreate))).toBe(true);
  });
});

describe("backoff", () => {
  it("grows exponentially, is capped, and jitters within [d/2, d]", () => {
    const backoff = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(backoff, attempt, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 5].map((attempt) => backoffDelay(backoff, attempt, () => 0.999999))).toEqual([50, 100, 500]);
  });

  it("rejects nonsense settings", () => {
    expect(() => resolveBackoff({ initialDelayMs: -1 })).toThrow(InvalidOptionError);
    expect(() => resolveBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(InvalidOptionError);
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(InvalidOptionError);
    expect(() => resolveBackoff({ factor: 0.5 })).toThrow(InvalidOptionError);
  });
});

describe("ReplayGuard", () => {
  const at = (timeNano: bigint, action = "start", id = "c1") =>
    normalizeEvent(
      { Type: "container", Action: action, Actor: { ID: id }, time: Number(timeNano / 1_000_000_000n), timeNano: Number(timeNano) },
      `{"timeNano":${timeNano}}`,
    );

  it("has no since before the first connection, then the connection's second", () => {
    const guard = new ReplayGuard(0n, "auto");
    expect(guard.since()).toBeUndefined();
    guard.connected(Date.UTC(2026, 0, 1, 0, 0, 5, 700), 0);
    expect(guard.since()).toBe(String(Date.UTC(2026, 0, 1, 0, 0, 5) / 1000));
  });

  it("resumes from the last event minus the overlap, in nanoseconds once events carry timeNano", () => {
    const guard = new ReplayGuard(1_000_000n, "auto");
    guard.connected(1_000_000, 0);
    expect(guard.admit(at(1_500_000_000_123_456_789n))).toBe(true);
    expect(guard.since()).toBe("1500000000.122456789");
  });

  it("drops repeats of events inside the overlap and keeps no more keys than the overlap needs", () => {
    const guard = new ReplayGuard(10n, "nanoseconds");
    guard.connected(0, 0);
    const base = 1_700_000_000_000_000_000n;
    for (let i = 0n; i < 100n; i++) expect(guard.admit(at(base + i * 5n, "start", `c${i}`))).toBe(true);
    expect(guard.admit(at(base + 99n * 5n, "start", "c99"))).toBe(false);
    expect(guard.admit(at(base + 98n * 5n, "start", "c98"))).toBe(false);
    expect(guard.size).toBeLessThanOrEqual(4);
    // Same time, different event: not a repeat.
    expect(guard.admit(at(base + 99n * 5n, "die", "c99"))).toBe(true);
  });

  it("in whole seconds keeps every key of the resume second", () => {
    const guard = new ReplayGuard(0n, "seconds");
    guard.connected(0, 0);
    const second = 1_700_000_000_000_000_000n;
    guard.admit(at(second + 1n, "create"));
    guard.admit(at(second + 900_000_000n, "start"));
    expect(guard.since()).toBe("1700000000");
    expect(guard.admit(at(second + 1n, "create"))).toBe(false);
    expect(guard.admit(at(second + 900_000_000n, "start"))).toBe(false);
  });

  it("after a daemon rejects a fractional since, asks in seconds and drops the replayed part it already pruned", () => {
    const guard = new ReplayGuard(0n, "auto");
    guard.connected(0, 0);
    const second = 1_700_000_000_000_000_000n;
    guard.admit(at(second + 100n, "create"));
    guard.admit(at(second + 200n, "start"));
    expect(guard.since()).toBe("1700000000.000000200");
    expect(guard.fractionalSinceRejected()).toBe(true);
    expect(guard.since()).toBe("1700000000");
    // The replay of the whole second: create was pruned, and is recognized by time instead.
    expect(guard.admit(at(second + 100n, "create"))).toBe(false);
    expect(guard.admit(at(second + 200n, "start"))).toBe(false);
    expect(guard.admit(at(second + 300n, "die"))).toBe(true);
  });
});

describe("formatEventTime", () => {
  it("formats seconds (since rounded down, until up) and seconds.nanoseconds", () => {
    expect(formatEventTime(1500000000.25, false, "since")).toBe("1500000000");
    expect(formatEventTime(1500000000.25, false, "until")).toBe("1500000001");
    expect(formatEventTime(new Date(1500000000250), true, "since")).toBe("1500000000.250000000");
    // issue 15: a whole second has no fraction (podman 4.3 reads "1500000000.000000000" as no time at all)
    expect(formatEventTime(new Date(1500000000000), true, "until")).toBe("1500000000");
    expect(formatEventTime(1500000000, true, "since")).toBe("1500000000");
    expect(formatEventTime("10m", true, "since")).toBe("10m");
    expect(() => formatEventTime(Number.NaN, true, "since")).toThrow(InvalidOptionError);
  });
});
