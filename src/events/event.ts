/**
 * One typed shape for the events of every API version.
 *
 * API v1.10 sends `{status, id, from, time}` for container events and `{status, id, time}` for
 * image ones (v1.10 "Monitor Docker's events"). From API 1.22 on (Docker 1.10) the daemon adds
 * `Type`, `Action`, `Actor {ID, Attributes}`, `timeNano` and later `scope` (v1.41 spec,
 * `EventMessage`), keeping the legacy fields on container and image events. Docker 20.10 sends
 * the full new shape at every API version it accepts, 1.12 included (measured).
 */
import { DockerProtocolError } from "../errors.js";

/** A Docker event, normalized. */
export interface DockerEvent {
  readonly kind: "event";
  /** Object type, lower case: `container`, `image`, `network`, `volume`, `daemon`, `plugin`, ... */
  readonly type: string;
  /** What happened: `create`, `start`, `die`, `destroy`, `untag`, `exec_start: sh`, ... */
  readonly action: string;
  /** The object the event is about. Legacy events have the image (`from`) as their only attribute. */
  readonly actor: { readonly id: string; readonly attributes: Readonly<Record<string, string>> };
  /** `local` or `swarm`, when the daemon says. */
  readonly scope?: string | undefined;
  /** Seconds since the epoch. */
  readonly time: number;
  /**
   * Nanoseconds since the epoch, exact. A bigint because nanosecond timestamps (about 1.8e18)
   * are beyond 2^53: as a `number` they would be rounded to about 256 ns, and two events in the
   * same 256 ns would tie, while this is the ordering and de-duplication key. Legacy events
   * have `time * 1e9`. (A bigint does not go through `JSON.stringify`; `raw` keeps the original.)
   */
  readonly timeNano: bigint;
  /** Legacy fields, as sent (absent on events of other types than container and image). */
  readonly status?: string | undefined;
  readonly id?: string | undefined;
  readonly from?: string | undefined;
  /** The decoded JSON object as the daemon sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** API v1.10 image events: the legacy shape with no `from` says nothing else about the type. */
const LEGACY_IMAGE_ACTIONS = new Set(["untag", "delete", "tag", "pull", "push", "import", "load", "save"]);

/**
 * Normalizes one decoded event. `text` is its JSON text, read for the exact `timeNano` (which
 * `JSON.parse` rounds). Throws `DockerProtocolError` for something that is not an event.
 */
export function normalizeEvent(value: unknown, text?: string): DockerEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DockerProtocolError(`event stream sent a non-object: ${preview(value)}`);
  }
  const raw = value as Record<string, unknown>;
  const status = optionalString(raw["status"]);
  const id = optionalString(raw["id"]);
  const from = optionalString(raw["from"]);
  const actorRaw = raw["Actor"];
  const actor = typeof actorRaw === "object" && actorRaw !== null ? (actorRaw as Record<string, unknown>) : undefined;
  const action = optionalString(raw["Action"]) ?? status;
  if (action === undefined) throw new DockerProtocolError(`event has neither Action nor status: ${preview(value)}`);

  const typeRaw = optionalString(raw["Type"]);
  const type = typeRaw ? typeRaw.toLowerCase() : from !== undefined || !LEGACY_IMAGE_ACTIONS.has(action) ? "container" : "image";
  const attributes = stringRecord(actor?.["Attributes"]) ?? (from !== undefined ? { image: from } : {});
  const actorId = optionalString(actor?.["ID"]) ?? id ?? "";

  const { time, timeNano } = timesOf(raw, text);
  return {
    kind: "event",
    type,
    action,
    actor: { id: actorId, attributes },
    scope: optionalString(raw["scope"]),
    time,
    timeNano,
    status,
    id,
    from,
    raw,
  };
}

/** The identity of an event for de-duplication: the same event replayed has the same key. */
export function eventKey(event: DockerEvent): string {
  return `${event.timeNano}|${event.type}|${event.action}|${event.actor.id}`;
}

const TIME_NANO_TEXT = /"timeNano"\s*:\s*(\d+)/;

function timesOf(raw: Record<string, unknown>, text: string | undefined): { time: number; timeNano: bigint } {
  const time = typeof raw["time"] === "number" && Number.isFinite(raw["time"]) ? Math.trunc(raw["time"]) : undefined;
  const nanoNumber = typeof raw["timeNano"] === "number" && Number.isFinite(raw["timeNano"]) ? raw["timeNano"] : undefined;
  if (nanoNumber !== undefined) {
    let timeNano = BigInt(Math.trunc(nanoNumber));
    // The exact digits from the text, if they agree with the parsed (rounded) number. A nested
    // "timeNano" key can only be inside `Actor.Attributes`, whose values are strings, so the
    // first numeric match is the top-level field.
    const match = text === undefined ? null : TIME_NANO_TEXT.exec(text);
    if (match) {
      const exact = BigInt(match[1]!);
      const diff = exact - timeNano;
      if (diff < 4096n && diff > -4096n) timeNano = exact;
    }
    return { time: time ?? Number(timeNano / 1_000_000_000n), timeNano };
  }
  if (time === undefined) throw new DockerProtocolError(`event has no time: ${preview(raw)}`);
  return { time, timeNano: BigInt(time) * 1_000_000_000n };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") result[key] = item;
    else if (item !== null && item !== undefined) result[key] = String(item);
  }
  return result;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
