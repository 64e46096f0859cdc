/**
 * Checks of what callers hand the transports (timeouts, signals) and the timeout policy of a
 * request: which calls are follow streams, whose silence is normal and must not be cut.
 */
import { InvalidOptionError } from "../errors.js";

/** The largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); larger ones fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Default bound of the silence between two pieces of a body that is not a follow stream. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000;

/**
 * `value` as a timeout in milliseconds: an integer from 0 (off) to `MAX_TIMEOUT_MS`;
 * undefined stays undefined (the default applies).
 * @throws InvalidOptionError for anything else (Infinity, NaN, negative, fractional, 2^31 or more, not a number).
 */
export function checkTimeout(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw new InvalidOptionError(
      option,
      `must be an integer number of milliseconds from 0 (off) to ${MAX_TIMEOUT_MS}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * `value` as an AbortSignal, or undefined for undefined/null.
 * @throws InvalidOptionError when it is anything else (an AbortController instead of its signal, a boolean, ...).
 */
export function checkSignal(value: unknown, option = "signal"): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof AbortSignal) return value;
  const candidate = value as Partial<AbortSignal>;
  // A signal of another realm (or a polyfill) is accepted by what it offers.
  if (
    typeof value === "object" &&
    typeof candidate.aborted === "boolean" &&
    typeof candidate.addEventListener === "function" &&
    typeof candidate.removeEventListener === "function"
  ) {
    return value as AbortSignal;
  }
  const hint = typeof value === "object" && "signal" in value && "abort" in value ? " (an AbortController: pass its .signal)" : "";
  throw new InvalidOptionError(option, `must be an AbortSignal, got ${describeValue(value)}${hint}`);
}

/** The timeout options every transport takes, checked; throws InvalidOptionError on the first bad one. */
export function checkTransportTimeouts(options: {
  connectTimeoutMs?: unknown;
  headersTimeoutMs?: unknown;
  responseTimeoutMs?: unknown;
  streamIdleTimeoutMs?: unknown;
}): void {
  checkTimeout("connectTimeoutMs", options.connectTimeoutMs);
  checkTimeout("headersTimeoutMs", options.headersTimeoutMs);
  checkTimeout("responseTimeoutMs", options.responseTimeoutMs);
  checkTimeout("streamIdleTimeoutMs", options.streamIdleTimeoutMs);
}

/**
 * Requests whose answer is a follow stream: it may stay silent for as long as nothing happens
 * (events, a followed log, a wait for exit, live stats, progress of a build or pull whose step
 * prints nothing). Neither the idle bound nor the whole-response bound applies to them by
 * default. The path is the request path with its optional `/vX.Y` prefix.
 */
const FOLLOW_PATH = [
  /^(?:\/v\d+\.\d+)?\/(?:events|build|session|grpc|images\/create|images\/load|plugins\/pull)(?:[?/]|$)/,
  /^(?:\/v\d+\.\d+)?\/(?:containers\/[^/?]+\/(?:wait|attach(?:\/ws)?)|exec\/[^/?]+\/start)(?:\?|$)/,
  // Image and plugin names may hold slashes.
  /^(?:\/v\d+\.\d+)?\/(?:images|plugins)\/.+\/(?:push|upgrade)(?:\?|$)/,
];
const LOGS_PATH = /^(?:\/v\d+\.\d+)?\/(?:containers|services|tasks)\/[^/?]+\/logs\?/;
const STATS_PATH = /^(?:\/v\d+\.\d+)?\/containers\/[^/?]+\/stats(?:\?|$)/;

/** Whether `path` (path and query) asks for a follow stream (see `FOLLOW_PATH`). */
export function isFollowRequest(method: string, path: string): boolean {
  for (const pattern of FOLLOW_PATH) if (pattern.test(path)) return true;
  if (method !== "GET") return false;
  if (LOGS_PATH.test(path)) return /[?&]follow=(?:1|true)(?:&|$)/.test(path);
  if (STATS_PATH.test(path)) return !/[?&]stream=(?:0|false)(?:&|$)/.test(path);
  return false;
}

function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "bigint") return `the bigint ${value}n`;
  if (value === null) return "null";
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}
