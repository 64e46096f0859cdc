/**
 * Option checks run before a request leaves, so a mistake gets a typed error naming the
 * option instead of a daemon round trip with a confusing message (an empty id would
 * otherwise address a different endpoint: `/containers//json`).
 */
import { InvalidOptionError } from "../errors.js";
import { MissingIdError } from "./errors.js";

/** Returns `value` if it is a non-empty string. @throws MissingIdError otherwise. */
export function requireId(value: unknown, option: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new MissingIdError(option);
  return value;
}

/** Returns `value` if it is a non-empty string. @throws InvalidOptionError otherwise. */
export function requireText(value: unknown, option: string, what = "a non-empty string"): string {
  if (typeof value !== "string" || value.trim() === "") throw new InvalidOptionError(option, `must be ${what}`);
  return value;
}

/** Checks an optional non-negative integer (seconds, sizes, counts). */
export function optionalCount(value: unknown, option: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidOptionError(option, `must be an integer from 0 to ${max}`);
  }
  return value;
}

// Container names as daemons since Docker 1.x accept them; the v1.10 pattern (`^/?[a-zA-Z0-9_-]+$`)
// is a subset, so nothing valid for an old daemon is refused.
const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Checks an optional container name. */
export function optionalContainerName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !CONTAINER_NAME.test(value)) {
    throw new InvalidOptionError("name", `${JSON.stringify(value)} is not a valid container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  }
  return value;
}
