/**
 * Scenario 5, events: delivery latency to 1, 100 and 1,000 listeners, measured from the API
 * call that causes an event (a volume create or remove, cheap for the daemon) to its arrival
 * at each listener; p50 and p99 over every (listener, event) pair.
 *
 * Contenders take turns (rotated per round); each turn registers its listeners, proves they
 * are all live with warm-up events (a connection may still be opening when `subscribe`
 * returns), then sends its events one at a time, each after the last was seen everywhere.
 */
import { performance } from "node:perf_hooks";
import { errorText } from "../lib/errors.js";
import type { EventContender, SeenEvent } from "../clients/types.js";
import { rawFor, uniqueName, type BenchTarget } from "../lib/daemon.js";
import type { RawHttp } from "../lib/raw-http.js";
import { collectGarbage } from "../lib/process-stats.js";
import { quantile, rotation } from "../lib/stats.js";

/** Counts of the scenario. */
export interface EventsOptions {
  listenerCounts: readonly number[];
  /** Events per turn (volume create and remove alternate). */
  eventsPerTurn: number;
  /** Turns of each contender at each listener count. */
  rounds: number;
  /** Most listeners for contenders that open one connection per listener. */
  maxConnectionsPerContender: number;
  /** How long one event may take to reach every listener. */
  timeoutMs: number;
}

/** One contender at one listener count. */
export interface EventsRow {
  contender: string;
  client: string;
  skipped?: string | undefined;
  error?: string | undefined;
  p50Ms?: number | undefined;
  p99Ms?: number | undefined;
  maxMs?: number | undefined;
  /** (listener, event) pairs measured. */
  deliveries?: number | undefined;
  /** Pairs that did not arrive within the timeout. */
  missed?: number | undefined;
}

/** The scenario's result. */
export interface EventsResult {
  eventsPerTurn: number;
  rounds: number;
  cases: { listeners: number; rows: EventsRow[] }[];
}

/** The contenders, in table order. Peers are loaded lazily: one that does not load becomes an error row. */
async function contenders(
  target: BenchTarget,
  options: EventsOptions,
): Promise<(EventContender | { label: string; client: string; error: string })[]> {
  const list: (EventContender | { label: string; client: string; error: string })[] = [];
  try {
    list.push((await import("../clients/berth.js")).berthEvents(target));
  } catch (error) {
    list.push({ label: "berth", client: "berth", error: errorText(error) });
  }
  try {
    const dockerode = await import("../clients/dockerode.js");
    list.push(dockerode.dockerodePerListenerEvents(target, options.maxConnectionsPerContender), dockerode.dockerodeFanOutEvents(target));
  } catch (error) {
    list.push({ label: "dockerode", client: "dockerode", error: errorText(error) });
  }
  try {
    const sdk = await import("../clients/node-sdk.js");
    list.push(sdk.nodeSdkEvents(target, options.maxConnectionsPerContender));
  } catch (error) {
    list.push({ label: "node-sdk", client: "node-sdk", error: errorText(error) });
  }
  return list;
}

/** Sends volume events and records when each listener sees them. */
class Probe {
  private waiting: { key: string; t0: number; seen: Uint8Array; count: number; latencies: number[]; done: () => void } | undefined;

  constructor(
    private readonly raw: RawHttp,
    private readonly target: BenchTarget,
    private readonly listeners: number,
  ) {}

  readonly onEvent = (listener: number, event: SeenEvent): void => {
    const w = this.waiting;
    if (!w || event.type !== "volume" || `${event.action}:${event.actorId}` !== w.key || w.seen[listener]) return;
    w.seen[listener] = 1;
    w.latencies.push(performance.now() - w.t0);
    if (++w.count === this.listeners) w.done();
  };

  /** Causes one event and waits until every listener saw it (or the timeout); returns the latencies seen. */
  async fire(action: "create" | "destroy", name: string, timeoutMs: number): Promise<number[]> {
    let done!: () => void;
    const arrived = new Promise<void>((resolve) => (done = resolve));
    const w = { key: `${action}:${name}`, t0: 0, seen: new Uint8Array(this.listeners), count: 0, latencies: [] as number[], done };
    this.waiting = w;
    w.t0 = performance.now();
    if (action === "create") await this.raw.json("POST", "/volumes/create", { Name: name, Labels: { "berth-bench": this.target.runId } });
    else await this.raw.json("DELETE", `/volumes/${name}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([arrived, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.waiting = undefined;
    return w.latencies;
  }

  /** Fires create/remove pairs until every listener has seen one event (connections are live). */
  async warmUp(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const name = uniqueName(this.target, "warm");
      const seen = await this.fire("create", name, 500);
      await this.raw.json("DELETE", `/volumes/${name}`);
      if (seen.length === this.listeners) return true;
    }
    return false;
  }
}

/** Runs the scenario. */
export async function runEvents(target: BenchTarget, options: EventsOptions, log: (line: string) => void): Promise<EventsResult> {
  const raw = rawFor(target);
  const list = await contenders(target, options);
  const cases: EventsResult["cases"] = [];
  try {
    for (const listeners of options.listenerCounts) {
      const latencies = new Map<string, number[]>(list.map((c) => [c.label, []]));
      const missed = new Map<string, number>(list.map((c) => [c.label, 0]));
      const failures = new Map<string, string>();
      for (let round = 0; round < options.rounds; round++) {
        for (const contender of rotation(list, round)) {
          if ("error" in contender || contender.skip(listeners) || failures.has(contender.label)) continue;
          collectGarbage();
          const probe = new Probe(raw, target, listeners);
          let unsubscribe: (() => Promise<void>) | undefined;
          try {
            unsubscribe = await contender.subscribe(listeners, probe.onEvent);
            if (!(await probe.warmUp(Math.max(10_000, options.timeoutMs))))
              throw new Error("listeners did not all receive the warm-up events within 10 s");
            for (let i = 0; i < options.eventsPerTurn; i += 2) {
              const name = uniqueName(target, "ev");
              for (const action of ["create", "destroy"] as const) {
                const seen = await probe.fire(action, name, options.timeoutMs);
                latencies.get(contender.label)!.push(...seen);
                missed.set(contender.label, missed.get(contender.label)! + listeners - seen.length);
              }
            }
          } catch (error) {
            failures.set(contender.label, errorText(error));
          } finally {
            await unsubscribe?.();
          }
        }
      }
      const rows = list.map((c): EventsRow => {
        if ("error" in c) return { contender: c.label, client: c.client, error: c.error };
        const skipped = c.skip(listeners);
        if (skipped) return { contender: c.label, client: c.client, skipped };
        const failure = failures.get(c.label);
        if (failure) return { contender: c.label, client: c.client, error: failure };
        const l = latencies.get(c.label)!;
        return {
          contender: c.label,
          client: c.client,
          p50Ms: quantile(l, 0.5),
          p99Ms: quantile(l, 0.99),
          maxMs: l.length ? Math.max(...l) : undefined,
          deliveries: l.length,
          missed: missed.get(c.label),
        };
      });
      cases.push({ listeners, rows });
      log(
        `  events ${listeners} listeners: ${rows.map((r) => `${r.contender} ${r.p50Ms !== undefined ? r.p50Ms.toFixed(2) + "/" + r.p99Ms!.toFixed(2) + " ms" : r.skipped ? "skipped" : "error"}`).join("; ")}`,
      );
    }
  } finally {
    raw.close();
  }
  return { eventsPerTurn: options.eventsPerTurn, rounds: options.rounds, cases };
}
