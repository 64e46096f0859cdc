/**
 * The typed low-level client: openapi-fetch over berth's transport, for the generated
 * `paths` of any API version. Every higher layer (the Go-surface client, attach, events,
 * newer API versions) is built on what `createDockerApi` returns.
 */
import createClient from "openapi-fetch";
import { checkConnectionOptions } from "./connection-options.js";
import { DEFAULT_DOCKER_HOST, parseDockerHost, type Endpoint, type TlsOptions } from "./docker-host.js";
import { DockerAbortError, InvalidOptionError } from "./errors.js";
import {
  blankBodyMiddleware,
  errorMiddleware,
  guardCalls,
  raceSignal,
  userAgentMiddleware,
  validateHeaderValue,
  versionPrefixMiddleware,
} from "./middleware.js";
import { createTransport, type Runtime } from "./transport/index.js";
import { DockerRequest } from "./transport/messages.js";
import { checkTransportTimeouts } from "./transport/options.js";
import type { SshOptions } from "./transport/ssh.js";
import type { Transport } from "./transport/types.js";
import { ApiVersionPin } from "./version.js";
import type { StrictClient } from "./versions/strict-client.js";
import { createResponseValidation, type ResponseValidation, type ValidationOptions } from "./validation.js";

/** berth's own version, sent in the User-Agent. */
export const BERTH_VERSION = "0.1.0";

/** How to reach the daemon and how to talk to it (and how its answers are checked: `validation`). */
export interface ConnectionOptions extends ValidationOptions {
  /** `DOCKER_HOST`-style endpoint. Default `unix:///var/run/docker.sock`. */
  host?: string | undefined;
  /** TLS material; turns `tcp://` into TLS. */
  tls?: TlsOptions | undefined;
  /** Pin this API version instead of negotiating it with the daemon. */
  apiVersion?: string | undefined;
  /** User-Agent header. Default `berth/<version>`. */
  userAgent?: string | undefined;
  /** Milliseconds to open a connection (default 30 000; 0 = off). */
  connectTimeoutMs?: number | undefined;
  /** Milliseconds to wait for a response head (default off, so long streams are never cut). */
  headersTimeoutMs?: number | undefined;
  /**
   * Milliseconds allowed for a whole answer, head to last byte, of a call that is not a follow
   * stream (default off). See docs/security.md, "Timeouts".
   */
  responseTimeoutMs?: number | undefined;
  /**
   * Milliseconds of silence allowed between two reads of an answer's body, for calls that are
   * not follow streams (default 60 000; 0 = off). A call's `idleTimeoutMs` overrides it.
   */
  streamIdleTimeoutMs?: number | undefined;
  /**
   * Most connections open to the daemon at once for plain requests (Node; default 64). More
   * concurrent requests wait for a free connection. Hijacked connections (attach, exec) are not counted.
   */
  maxSockets?: number | undefined;
  /**
   * How to run the system `ssh` for an `ssh://` host: identity file, config file, extra `-o`
   * options, the binary, the process cap (8) and idle timeout (30 s). See docs/ssh.md.
   */
  ssh?: SshOptions | undefined;
  /** Use this transport instead of the runtime's own (tests, custom tunnels). */
  transport?: Transport | undefined;
  /** Force a runtime's transport (normally detected). */
  runtime?: Runtime | undefined;
}

/**
 * Options of `createDockerApi`: the connection plus the version the `paths` type describes.
 * One of `preferredVersion` (negotiate, aiming for it) and `apiVersion` (pin it) is required;
 * with only `apiVersion`, that version is also the preferred one.
 */
export interface DockerApiOptions extends ConnectionOptions {
  /** The API version the generated `paths` were made for; negotiation aims for it. */
  preferredVersion?: string | undefined;
}

/** A low-level client: typed calls plus the connection machinery they share. */
export interface DockerApi<Paths extends {}> {
  /**
   * openapi-fetch client: `api.GET("/containers/{id}/json", { params: { path: { id } } })`.
   * Typed strictly: a misspelled parameter or body field fails to compile (see strict-client.ts).
   */
  readonly api: StrictClient<Paths>;
  readonly transport: Transport;
  readonly endpoint: Endpoint;
  /** The User-Agent sent with every request, hijacked ones included. */
  readonly userAgent: string;
  /** The response-head timeout in milliseconds (0 = off), applied to hijacked requests too. */
  readonly headersTimeoutMs: number;
  /** How answers are checked (the `validation` option); what every layer that validates uses. */
  readonly validation: ResponseValidation;
  /** The API version in use; negotiated on the first request unless pinned. */
  apiVersion(signal?: AbortSignal): Promise<string>;
  /** `/v<version>` + path, for requests made outside openapi-fetch (hijack, raw streams). */
  versionedPath(path: string, signal?: AbortSignal): Promise<string>;
  /**
   * Aborted by `close()`. Long-lived helpers built on this client (the event monitor) take
   * it as their lifetime signal, so closing the client stops them and frees their sockets.
   */
  readonly signal: AbortSignal;
  /** Stops what is bound to `signal` and releases pooled sockets. */
  close(): Promise<void>;
  /** `await using docker = createDockerApi(...)`: `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates the typed low-level client for one daemon. */
export function createDockerApi<Paths extends {}>(options: DockerApiOptions): DockerApi<Paths> {
  checkConnectionOptions(options);
  // Checked even with a transport given: the hijack path applies headersTimeoutMs itself.
  checkTransportTimeouts(options);
  const preferred = options.preferredVersion ?? options.apiVersion;
  if (preferred === undefined) {
    throw new InvalidOptionError(
      "preferredVersion",
      "is required unless apiVersion is given: pass the version your generated paths describe (their apiVersion export)",
    );
  }
  const validation = createResponseValidation(options);
  const transport =
    options.transport ??
    createTransport(
      {
        endpoint: parseDockerHost(options.host ?? DEFAULT_DOCKER_HOST, options.tls),
        connectTimeoutMs: options.connectTimeoutMs,
        headersTimeoutMs: options.headersTimeoutMs,
        responseTimeoutMs: options.responseTimeoutMs,
        streamIdleTimeoutMs: options.streamIdleTimeoutMs,
        maxSockets: options.maxSockets,
        ssh: options.ssh,
      },
      options.runtime,
    );
  const pin = new ApiVersionPin(transport, preferred, options.apiVersion);
  const api = createClient<Paths>({
    baseUrl: "http://docker",
    Request: DockerRequest as unknown as typeof Request,
    fetch: (request: Request) => transport.fetch(request),
    querySerializer: serializeDockerQuery,
    pathSerializer: serializeDockerPath,
  });
  const userAgent = options.userAgent ?? `berth/${BERTH_VERSION}`;
  // Checked here once: the hijack path writes it into the request head as is.
  validateHeaderValue("userAgent", userAgent);
  api.use(versionPrefixMiddleware(pin), userAgentMiddleware(userAgent), errorMiddleware(), blankBodyMiddleware());
  guardCalls(api, pin);

  const apiVersion = async (signal?: AbortSignal) => raceSignal(pin.resolve(), signal);
  const lifetime = new AbortController();
  const close = async () => {
    if (!lifetime.signal.aborted) lifetime.abort(new DockerAbortError());
    await transport.close();
  };
  return {
    api: api as unknown as StrictClient<Paths>,
    transport,
    endpoint: transport.endpoint,
    userAgent,
    headersTimeoutMs: options.headersTimeoutMs ?? 0,
    validation,
    apiVersion,
    versionedPath: async (path, signal) => `/v${await apiVersion(signal)}${path}`,
    signal: lifetime.signal,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Docker's query conventions: booleans as `1`/`0` (what every API version accepts), objects
 * (`filters`, `buildargs`, `labels`) as JSON, arrays as repeated keys, empty values dropped.
 */
export function serializeDockerQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined || value === null) continue;
    const name = encodeComponent(key, "query");
    if (Array.isArray(value)) {
      for (const item of value) parts.push(`${name}=${encodeComponent(String(item), key)}`);
    } else if (typeof value === "object") {
      parts.push(`${name}=${encodeComponent(JSON.stringify(value), key)}`);
    } else if (typeof value === "boolean") {
      parts.push(`${name}=${value ? "1" : "0"}`);
    } else {
      parts.push(`${name}=${encodeComponent(String(value), key)}`);
    }
  }
  return parts.join("&");
}

/** `encodeURIComponent`, with its URIError for a lone UTF-16 surrogate turned into berth's typed error. */
function encodeComponent(text: string, option: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new InvalidOptionError(option, "contains a lone UTF-16 surrogate, which no URL can carry");
  }
}

/**
 * Fills `{param}` placeholders. Every value is one encoded path segment, so an id or image
 * name can only ever address the resource it names: `/`, `?`, `#`, `%`, spaces and CR/LF are
 * percent-encoded, and `.`/`..` (which URL parsing would resolve away) and empty values are
 * refused before anything is sent.
 */
export function serializeDockerPath(pathname: string, pathParams: Record<string, unknown> | undefined): string {
  let open = pathname.indexOf("{");
  if (open < 0) return pathname;
  let result = "";
  let from = 0;
  while (open >= 0) {
    const close = pathname.indexOf("}", open + 1);
    if (close < 0) break;
    const name = pathname.slice(open + 1, close);
    const value = pathParams?.[name];
    if (value === undefined || value === null || value === "") throw new InvalidOptionError(name, "must not be empty");
    const text = String(value);
    if (text === "." || text === "..") throw new InvalidOptionError(name, `${JSON.stringify(text)} cannot name a Docker object`);
    result += pathname.slice(from, open) + encodeComponent(text, name);
    from = close + 1;
    open = pathname.indexOf("{", from);
  }
  return result + pathname.slice(from);
}
