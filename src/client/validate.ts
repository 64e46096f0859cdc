/**
 * Option checks run before a request leaves, so a mistake gets a typed error naming the
 * option instead of a daemon round trip with a confusing message (an empty id would
 * otherwise address a different endpoint: `/containers//json`).
 */
import { InvalidOptionError, describeValue } from "../errors.js";
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
    throw new InvalidOptionError("name", `${describeValue(value)} is not a valid container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  }
  return value;
}

/** True for an `AbortSignal` of any realm (checked by shape, so a polyfill or another copy passes). */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  const candidate = value as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown } | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.aborted === "boolean" &&
    typeof candidate.addEventListener === "function" &&
    typeof candidate.removeEventListener === "function"
  );
}

/** Checks an optional `signal` option. @throws InvalidOptionError for anything but an AbortSignal. */
export function checkSignal(value: unknown, option = "signal"): AbortSignal | undefined {
  if (value === undefined || isAbortSignal(value)) return value;
  const hint =
    typeof value === "object" && value !== null && isAbortSignal((value as { signal?: unknown }).signal)
      ? " (pass the controller's .signal, not the AbortController)"
      : "";
  throw new InvalidOptionError(option, `must be an AbortSignal, got ${describeValue(value)}${hint}`);
}

/**
 * Checks that `value` survives `JSON.stringify` as written: no BigInt (it throws), no cycle (it
 * throws), and nothing it would silently drop or change (a function, a Symbol, `NaN`/`Infinity`,
 * a Map or Set, a class instance). Deeper than 64 levels is refused too.
 * @throws InvalidOptionError naming the path of the first offending value (`config.HostConfig.Memory`).
 */
export function checkJsonValue(value: unknown, option: string): void {
  const ancestors: object[] = [];
  const visit = (item: unknown, path: string, inObject: boolean): void => {
    switch (typeof item) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(item)) throw new InvalidOptionError(path, `${describeValue(item)} cannot be sent as JSON`);
        return;
      case "undefined":
        if (inObject) return;
        throw new InvalidOptionError(path, "undefined cannot be sent as JSON");
      case "object": {
        if (item === null) return;
        if (ancestors.includes(item)) throw new InvalidOptionError(path, "refers back to an object that contains it (a cycle)");
        if (ancestors.length >= 64) throw new InvalidOptionError(path, "is nested more than 64 levels deep");
        const isArray = Array.isArray(item);
        const proto: unknown = Object.getPrototypeOf(item);
        if (!isArray && proto !== Object.prototype && proto !== null) {
          throw new InvalidOptionError(path, `${describeValue(item)} cannot be sent as JSON (use a plain object)`);
        }
        ancestors.push(item);
        if (isArray) (item as unknown[]).forEach((element, index) => visit(element, `${path}[${index}]`, false));
        else {
          for (const key of Object.keys(item)) {
            let child: unknown;
            try {
              child = (item as Record<string, unknown>)[key];
            } catch {
              throw new InvalidOptionError(`${path}.${key}`, "cannot be read (its getter throws)");
            }
            visit(child, `${path}.${key}`, true);
          }
          if (Object.getOwnPropertySymbols(item).length > 0) throw new InvalidOptionError(path, "has Symbol keys, which JSON drops");
        }
        ancestors.pop();
        return;
      }
      default:
        throw new InvalidOptionError(path, `${describeValue(item)} cannot be sent as JSON`);
    }
  };
  visit(value, option, false);
}
