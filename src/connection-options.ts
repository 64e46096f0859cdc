/**
 * The types of `ConnectionOptions`, checked when a client is made (issue 16 item 7): a plain
 * JavaScript caller's `host: 42` was a bare `TypeError` from deep inside the endpoint parser.
 * Only types are checked here; what a value means (an endpoint, a timeout's range) is checked
 * where it is used.
 */
import { InvalidOptionError, describeValue } from "./errors.js";

const STRINGS = ["host", "apiVersion", "userAgent", "runtime"] as const;
const NUMBERS = ["connectTimeoutMs", "headersTimeoutMs", "maxSockets"] as const;
const OBJECTS = ["tls", "transport"] as const;
const TLS_MATERIAL = ["ca", "cert", "key"] as const;

/** @throws InvalidOptionError for connection options of the wrong type (or no options object). */
export function checkConnectionOptions(options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError("options", `connection options must be an object, got ${describeValue(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of STRINGS) {
    const value = record[key];
    if (value !== undefined && typeof value !== "string")
      throw new InvalidOptionError(key, `must be a string, got ${describeValue(value)}`);
  }
  for (const key of NUMBERS) {
    const value = record[key];
    if (value !== undefined && typeof value !== "number")
      throw new InvalidOptionError(key, `must be a number, got ${describeValue(value)}`);
  }
  for (const key of OBJECTS) {
    const value = record[key];
    if (value !== undefined && (typeof value !== "object" || value === null)) {
      throw new InvalidOptionError(key, `must be an object, got ${describeValue(value)}`);
    }
  }
  const tls = record["tls"] as Record<string, unknown> | undefined;
  if (tls === undefined) return;
  for (const key of TLS_MATERIAL) {
    const value = tls[key];
    if (value !== undefined && typeof value !== "string" && !(value instanceof Uint8Array)) {
      throw new InvalidOptionError(`tls.${key}`, `must be PEM text or bytes, got ${describeValue(value)}`);
    }
  }
  if (tls["verify"] !== undefined && typeof tls["verify"] !== "boolean") {
    throw new InvalidOptionError("tls.verify", `must be true or false, got ${describeValue(tls["verify"])}`);
  }
  if (tls["servername"] !== undefined && typeof tls["servername"] !== "string") {
    throw new InvalidOptionError("tls.servername", `must be a string, got ${describeValue(tls["servername"])}`);
  }
}
