/**
 * Reconnect delays: exponential, capped, jittered. The Go monitor retried five times at
 * 10 ms * 2^n and then gave up; berth retries for as long as anyone listens.
 */
import { InvalidOptionError } from "../errors.js";

/** How the events connection is retried. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 100. */
  initialDelayMs?: number | undefined;
  /** Upper bound of a delay, in ms. Default 5000. */
  maxDelayMs?: number | undefined;
  /** Growth per failed attempt. Default 2. */
  factor?: number | undefined;
  /**
   * Fraction of each delay that is random, 0..1. Default 0.5: a delay `d` becomes a uniform
   * pick in `[d * (1 - jitter), d]`, so clients that lost the same daemon do not come back in step,
   * while no retry ever comes sooner than half its nominal delay.
   */
  jitter?: number | undefined;
}

/** Resolved backoff settings. */
export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
}

/** The default backoff: 100 ms doubling to a 5 s cap, half of each delay random. */
export const DEFAULT_BACKOFF: Backoff = { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.5 };

/** Validates and fills in backoff options. */
export function resolveBackoff(options: BackoffOptions | undefined): Backoff {
  const backoff = {
    initialDelayMs: options?.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    factor: options?.factor ?? DEFAULT_BACKOFF.factor,
    jitter: options?.jitter ?? DEFAULT_BACKOFF.jitter,
  };
  if (!(backoff.initialDelayMs >= 0)) throw new InvalidOptionError("backoff.initialDelayMs", "must be >= 0");
  if (!(backoff.maxDelayMs >= backoff.initialDelayMs)) throw new InvalidOptionError("backoff.maxDelayMs", "must be >= initialDelayMs");
  if (!(backoff.factor >= 1)) throw new InvalidOptionError("backoff.factor", "must be >= 1");
  if (!(backoff.jitter >= 0 && backoff.jitter <= 1)) throw new InvalidOptionError("backoff.jitter", "must be between 0 and 1");
  return backoff;
}

/** Delay before retry number `attempt` (1 = first retry). `random` returns [0, 1). */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** Math.max(0, attempt - 1));
  return Math.round(nominal * (1 - backoff.jitter * random()));
}
