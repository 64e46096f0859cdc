/**
 * Redaction of the credentials a request carried, wherever they come back (issue 16 item 3).
 *
 * A daemon, or a proxy in front of it, may echo what it was sent into an error answer or a
 * stream's `errorDetail`: the `X-Registry-Auth` / `X-Registry-Config` header as sent, its
 * decoded JSON, the bare password, the body of `POST /auth`. berth knows every secret it put
 * into the request, so instead of guessing from the text (words like "password"), it collects
 * them (`collectRequestSecrets`) and replaces each, in every form it could be written in, by
 * `***` in every string an error carries (`redactErrorSecrets`): `message`, `stack`,
 * `daemonMessage`, the request summary, any other own string property, and the same along the
 * `cause` chain. `util.inspect`, `String()`, `JSON.stringify` and `console.log` of the error
 * only ever render those properties.
 */

/** What replaces a secret. */
export const REDACTED = "***";

/** Header names whose values are credentials (lower case). */
const CREDENTIAL_HEADERS = new Set(["x-registry-auth", "x-registry-config", "authorization", "proxy-authorization"]);

/** Fields of an auth configuration that are secrets (`username`, `email` and `serveraddress` are not). */
const SECRET_FIELDS = ["password", "auth", "identitytoken", "registrytoken"];

/** A set of secrets, each with the forms it may be echoed in. Empty sets cost nothing. */
export class SecretSet {
  private readonly forms = new Set<string>();
  /** Forms, longest first, so a form containing another is replaced whole. */
  private sorted: string[] | undefined;

  /** Adds a secret and the forms it may take in a text: JSON-escaped, URL-encoded, base64 variants. */
  add(secret: unknown): void {
    if (typeof secret !== "string" || secret === "") return;
    this.sorted = undefined;
    this.forms.add(secret);
    const json = JSON.stringify(secret).slice(1, -1);
    this.forms.add(json);
    this.forms.add(json.replace(/\//g, "\\/"));
    try {
      this.forms.add(encodeURIComponent(secret));
    } catch {
      // A lone surrogate: no URL-encoded form.
    }
    if (/^[A-Za-z0-9_-]+=*$/.test(secret)) this.forms.add(secret.replace(/-/g, "+").replace(/_/g, "/"));
    if (/^[A-Za-z0-9+/]+=*$/.test(secret)) this.forms.add(secret.replace(/\+/g, "-").replace(/\//g, "_"));
  }

  /** Adds the secrets of an auth configuration (or of an `X-Registry-Config` map of them). */
  addAuth(auth: unknown, depth = 0): void {
    if (typeof auth !== "object" || auth === null || depth > 2) return;
    const record = auth as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (typeof value === "object") this.addAuth(value, depth + 1);
      else if (SECRET_FIELDS.includes(key.toLowerCase())) {
        this.add(value);
        // `auth` is base64 of `user:password`: the password alone may be echoed too.
        if (key.toLowerCase() === "auth" && typeof value === "string") this.add(passwordOfBasic(value));
      }
    }
  }

  /** Adds a credential header's value: as sent, and what it decodes to. */
  addHeader(name: string, value: unknown): void {
    const lower = name.toLowerCase();
    if (!CREDENTIAL_HEADERS.has(lower) || typeof value !== "string" || value === "") return;
    if (lower.endsWith("authorization")) {
      const space = value.indexOf(" ");
      const credential = space < 0 ? value : value.slice(space + 1).trim();
      this.add(value);
      this.add(credential);
      if (/^basic$/i.test(value.slice(0, space))) this.add(passwordOfBasic(credential));
      return;
    }
    // X-Registry-Auth / X-Registry-Config: base64url JSON. `{}` (e30=) carries nothing.
    const decoded = decodeBase64(value);
    let parsed: unknown;
    try {
      parsed = decoded === undefined ? undefined : JSON.parse(decoded);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === "object" && parsed !== null && Object.keys(parsed).length === 0) return;
    this.add(value);
    if (decoded !== undefined) this.add(decoded);
    this.addAuth(parsed);
  }

  /** Adds every credential header of a headers object (`Headers`, a record, or entry pairs). */
  addHeaders(headers: unknown): void {
    if (headers === undefined || headers === null || typeof headers !== "object") return;
    const entries: Iterable<[string, unknown]> =
      headers instanceof Headers || Array.isArray(headers) ? (headers as Iterable<[string, unknown]>) : Object.entries(headers as object);
    for (const [name, value] of entries) if (typeof name === "string") this.addHeader(name, value);
  }

  /** True when the set holds no secret (the usual case: nothing to do). */
  get isEmpty(): boolean {
    return this.forms.size === 0;
  }

  /** `text` with every form of every secret replaced by `***`. */
  redact(text: string): string {
    if (this.forms.size === 0 || text === "") return text;
    this.sorted ??= [...this.forms].sort((a, b) => b.length - a.length);
    let result = text;
    for (const form of this.sorted) if (result.includes(form)) result = result.split(form).join(REDACTED);
    return result;
  }

  /** `value` with every string in it (keys included) redacted; the same object when nothing changed. */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.redact(value);
    if (typeof value !== "object" || value === null || depth > 32 || this.forms.size === 0) return value;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[this.redact(key)] = this.redactValue(item, depth + 1);
    return result;
  }

  /** True when `text` holds a form of a secret. */
  occursIn(text: string): boolean {
    for (const form of this.forms) if (text.includes(form)) return true;
    return false;
  }
}

/** The secrets of one request: its credential headers, and a body that is an auth configuration (`POST /auth`). */
export function collectRequestSecrets(init: { headers?: unknown; params?: { header?: unknown }; body?: unknown } | undefined): SecretSet {
  const secrets = new SecretSet();
  if (!init) return secrets;
  secrets.addHeaders(init.headers);
  secrets.addHeaders(init.params?.header);
  const body = init.body;
  if (typeof body === "object" && body !== null && !ArrayBuffer.isView(body) && !(body instanceof ReadableStream)) secrets.addAuth(body);
  return secrets;
}

/**
 * Removes every secret of `secrets` from `error`: its message, stack, every other own string
 * property (`daemonMessage`, ...), the request summary, and the same along its `cause` chain
 * (and an `AggregateError`'s `errors`). Mutates and returns `error`; a non-object is returned
 * as is. Nothing is done for an empty set.
 */
export function redactErrorSecrets<T>(error: T, secrets: SecretSet): T {
  if (secrets.isEmpty) return error;
  redactObject(error, secrets, new Set(), 0);
  return error;
}

function redactObject(value: unknown, secrets: SecretSet, seen: Set<unknown>, depth: number): void {
  if (typeof value !== "object" || value === null || seen.has(value) || depth > 6) return;
  seen.add(value);
  const target = value as Record<string, unknown>;
  // `stack` and `message` may be own non-enumerable properties: name them besides the enumerable ones.
  const keys = new Set<string>(["message", "stack", ...Object.keys(target)]);
  for (const key of keys) {
    let current: unknown;
    try {
      current = target[key];
    } catch {
      continue;
    }
    if (typeof current === "string") {
      const redacted = secrets.redact(current);
      if (redacted !== current) setProperty(target, key, redacted);
    } else if (typeof current === "object" && current !== null && (key === "request" || key === "errors" || Array.isArray(target))) {
      redactObject(current, secrets, seen, depth + 1);
    }
  }
  if ("cause" in target) {
    const cause = target["cause"];
    if (typeof cause === "string") setProperty(target, "cause", secrets.redact(cause));
    else redactObject(cause, secrets, seen, depth + 1);
  }
}

function setProperty(target: Record<string, unknown>, key: string, value: string): void {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor && !descriptor.writable && !descriptor.set) {
      if (!descriptor.configurable) return;
      Object.defineProperty(target, key, { ...descriptor, value });
      return;
    }
    // A readonly class field is a plain writable own property at run time.
    if (descriptor || key === "message" || key === "stack") {
      Object.defineProperty(target, key, {
        value,
        writable: true,
        configurable: true,
        enumerable: descriptor?.enumerable ?? false,
      });
    }
  } catch {
    // A frozen foreign object: nothing more can be done with it.
  }
}

/** The password of a base64 `user:password`, if it decodes to that. */
function passwordOfBasic(value: string): string | undefined {
  const decoded = decodeBase64(value);
  if (decoded === undefined) return undefined;
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Decodes standard or URL-safe base64 (padding optional) to UTF-8 text, or undefined. */
function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(value)) return undefined;
  try {
    const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
