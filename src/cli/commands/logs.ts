/**
 * `berth logs` and `berth events`: the two commands that read a daemon stream until it ends
 * or the user interrupts (Ctrl-C ends them cleanly, exit code 130).
 */
import { parseCommand, splitKeyValue, UsageError } from "../args.js";
import { writeOut } from "../context.js";
import { describeEventGap, isDockerError, type DockerEvent, type EventFilters } from "../../index.js";
import type { Command } from "./types.js";

/** The exit code after Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

export const logs: Command = {
  name: "logs",
  summary: "Print a container's logs",
  usage: `Usage: berth logs [OPTIONS] CONTAINER

Print a container's output: its stdout to stdout, its stderr to stderr.

Options:
  -f, --follow        Keep printing new output until the container stops
  -n, --tail N        Only the last N lines
  -t, --timestamps    Prefix each line with its timestamp
      --since TIME    Only output since TIME (Unix seconds or RFC 3339)
`,
  async run(context, args) {
    const { values, positionals } = parseCommand(
      args,
      {
        follow: { type: "boolean", short: "f" },
        tail: { type: "string", short: "n" },
        timestamps: { type: "boolean", short: "t" },
        since: { type: "string" },
      },
      { command: "logs", min: 1, max: 1 },
    );
    const tail = values.tail === undefined || values.tail === "all" ? undefined : Number(values.tail);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new UsageError("--tail must be a whole number or all", "logs");
    try {
      const stream = await context.client().containerLogs({
        container: positionals[0]!,
        follow: values.follow === true,
        tail,
        timestamps: values.timestamps === true,
        since: values.since,
        signal: context.signal,
      });
      for await (const { stream: which, data } of stream) {
        await writeOut(which === "stderr" ? context.io.stderr : context.io.stdout, data);
      }
      await stream.closed;
      return 0;
    } catch (error) {
      if (context.signal.aborted && isDockerError(error) && error.code === "ERR_ABORTED") return INTERRUPTED;
      throw error;
    }
  },
};

export const events: Command = {
  name: "events",
  summary: "Print the daemon's events as they happen",
  usage: `Usage: berth events [OPTIONS]

Print the daemon's events as they happen, one line each:
  TIME TYPE ACTION ID (ATTRIBUTE=VALUE, ...)

Options:
  -f, --filter KEY=VALUE   Only matching events (repeatable; different keys must all
                           match, repeated keys match any). Keys: type, event (action),
                           container (id or name), image, label (KEY or KEY=VALUE)
      --since TIME         Replay the events since TIME first (Unix seconds or RFC 3339)
      --until TIME         Stop at TIME
      --json               Print each event as the daemon sent it (JSON lines)
`,
  async run(context, args) {
    const { values } = parseCommand(
      args,
      {
        filter: { type: "string", short: "f", multiple: true },
        since: { type: "string" },
        until: { type: "string" },
        json: { type: "boolean" },
      },
      { command: "events", max: 0 },
    );
    const { filters, matches } = parseEventFilters(values.filter ?? []);
    const items = context.client().events({ signal: context.signal, filters, since: values.since, until: values.until });
    try {
      for await (const item of items) {
        if (item.kind === "overflow") {
          await writeOut(context.io.stderr, `berth: warning: ${item.dropped} events dropped (output too slow)\n`);
        } else if (item.kind === "gap") {
          await writeOut(context.io.stderr, `berth: warning: ${describeEventGap(item)}\n`);
        } else if (item.kind === "error") {
          await writeOut(context.io.stderr, `berth: warning: ${item.error.message}\n`);
        } else if (matches(item)) {
          await writeOut(context.io.stdout, values.json ? `${JSON.stringify(item.raw)}\n` : formatEvent(item));
        }
      }
      return context.signal.aborted ? INTERRUPTED : 0;
    } catch (error) {
      if (context.signal.aborted) return INTERRUPTED;
      throw error;
    }
  },
};

/**
 * The docker CLI's `--filter` syntax turned into berth's `EventFilters`, plus the checks they
 * do not cover: `container` (an id prefix or a name, either one) and `label`.
 */
export function parseEventFilters(specs: readonly string[]): {
  filters: EventFilters | undefined;
  matches: (event: DockerEvent) => boolean;
} {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const [key, value] = splitKeyValue(spec, "--filter", "events");
    if (value === "") throw new UsageError(`--filter ${key}= needs a value`, "events");
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  const filters: EventFilters = {};
  const checks: ((event: DockerEvent) => boolean)[] = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case "type":
        filters.type = values;
        break;
      case "event":
      case "action":
        filters.action = values;
        break;
      case "image":
        filters.image = values;
        break;
      case "container":
        checks.push((event) => event.type === "container" && values.some((value) => containerMatches(event, value)));
        break;
      case "label":
        checks.push((event) => values.some((value) => labelMatches(event, value)));
        break;
      default:
        throw new UsageError(`unknown filter ${JSON.stringify(key)} (known: type, event, container, image, label)`, "events");
    }
  }
  return {
    filters: Object.keys(filters).length > 0 ? filters : undefined,
    matches: (event) => checks.every((check) => check(event)),
  };
}

function containerMatches(event: DockerEvent, value: string): boolean {
  const name = event.actor.attributes["name"];
  return name === value.replace(/^\//, "") || (value.length >= 4 && event.actor.id.startsWith(value));
}

/** `label=KEY` matches events whose actor has the label; `label=KEY=VALUE` also compares the value. */
function labelMatches(event: DockerEvent, value: string): boolean {
  const at = value.indexOf("=");
  if (at < 0) return Object.hasOwn(event.actor.attributes, value);
  return event.actor.attributes[value.slice(0, at)] === value.slice(at + 1);
}

/** `2024-05-01T10:00:00.123456789Z container start 3f2a… (image=busybox, name=web)`, as `docker events` prints. */
export function formatEvent(event: DockerEvent): string {
  const seconds = event.timeNano / 1_000_000_000n;
  const nanos = event.timeNano % 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  const attributes = Object.entries(event.actor.attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
  return `${iso}.${nanos.toString().padStart(9, "0")}Z ${event.type} ${event.action} ${event.actor.id}${attributes ? ` (${attributes})` : ""}\n`;
}
