/**
 * Cross-cutting behaviour of every plain request, each as one openapi-fetch middleware:
 * the API version prefix, the User-Agent, and turning error answers into typed errors. Plus
 * `guardCalls`, for the two things a middleware cannot see: header values before openapi-fetch
 * builds its `Headers`, and the JSON parsing of a 2xx body after the last middleware ran.
 */
import type { Client, Middleware } from "openapi-fetch";
import { serializeDockerPath, serializeDockerQuery } from "./api.js";
import {
  DockerAbortError,
  DockerApiError,
  DockerProtocolError,
  InvalidOptionError,
  NoSuchContainerError,
  describeValue,
  NoSuchRouteError,
  NoSuchImageError,
  isDockerError,
  redactPath,
  type RequestSummary,
} from "./errors.js";
import { collectRequestSecrets, redactErrorSecrets } from "./secrets.js";
import { DockerRequest, splitRequestUrl } from "./transport/messages.js";
import type { ApiVersionPin } from "./version.js";

/** Prefixes `/v<version>` to every path, negotiating the version on first use. */
export function versionPrefixMiddleware(pin: ApiVersionPin): Middleware {
  return {
    async onRequest({ request }) {
      const version = await raceSignal(pin.resolve(), request.signal);
      const versioned = withVersion(request.url, version);
      // berth's own request objects take the new URL in place; a global Request is copied.
      if (request instanceof DockerRequest) {
        (request as DockerRequest).url = versioned;
        return undefined;
      }
      return cloneWithUrl(request, versioned);
    },
  };
}

/** `url` with `/v<version>` before its path (string work: this runs on every request). */
function withVersion(url: string, version: string): string {
  const parts = splitRequestUrl(url);
  if (parts) return `${parts.origin}/v${version}${parts.path}`;
  const parsed = new URL(url);
  return `${parsed.origin}/v${version}${parsed.pathname}${parsed.search}`;
}

/** Sets the User-Agent unless the caller set one on the request. */
export function userAgentMiddleware(userAgent: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has("user-agent")) request.headers.set("user-agent", userAgent);
      return undefined;
    },
  };
}

/**
 * Throws the typed error for every non-2xx answer. 404s on container and image paths become
 * `NoSuchContainerError` / `NoSuchImageError`; a 404 elsewhere whose message names a missing
 * image or container (create with an unknown image) gets the same treatment.
 */
export function errorMiddleware(): Middleware {
  return {
    async onResponse({ request, response, schemaPath, params }) {
      if (response.ok || response.status === 304) return undefined;
      // Plain requests never ask for an upgrade (hijack.ts does that on its own connection):
      // a 101 here is a broken peer. Node's transport already refuses it; Deno's fetch hands it on.
      if (response.status === 101) {
        await response.body?.cancel().catch(() => {});
        throw new DockerProtocolError(`the daemon answered a plain request with 101 ${response.statusText}`.trim(), {
          request: summarize(request),
        });
      }
      throw await apiErrorFromResponse(response, summarize(request), schemaPath, params.path as Record<string, unknown> | undefined);
    },
    onError({ error, request }) {
      if (isDockerError(error)) return error;
      if (error instanceof Error && error.name === "AbortError") return new DockerAbortError({ cause: error, request: summarize(request) });
      return error instanceof Error ? error : new Error(String(error));
    },
  };
}

/**
 * A 2xx answer meant to be parsed as JSON whose body is only whitespace counts as no body.
 * podman 4.3 answers a tag with 201, `text/plain`, `"\n"` where dockerd sends an empty body; the
 * JSON parse of that newline made a successful call a `DockerProtocolError` (issue 15). Only
 * non-JSON bodies of under 100 bytes (or of unknown length) are looked at, so ordinary answers
 * pass untouched; a body that is not blank is handed on as it was (and fails the parse as before).
 */
export function blankBodyMiddleware(): Middleware {
  return {
    async onResponse({ response, options }) {
      if (!response.ok || options.parseAs !== "json") return undefined;
      const length = response.headers.get("content-length");
      // (without a length openapi-fetch reads the whole text before parsing it anyway)
      if (length === "0" || (length !== null && length.length > 2)) return undefined;
      if (response.headers.get("content-type")?.includes("json")) return undefined;
      const text = await response.text();
      const headers = new Headers(response.headers);
      if (text.trim() === "") headers.set("content-length", "0");
      return new Response(text.trim() === "" ? null : text, { status: response.status, statusText: response.statusText, headers });
    },
  };
}

/** Reads an error answer (text/plain from old daemons, `{"message"}` JSON from newer) into a typed error. */
export async function apiErrorFromResponse(
  response: Response,
  request: RequestSummary,
  schemaPath?: string,
  pathParams?: Record<string, unknown>,
): Promise<DockerApiError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // A body cut mid-way still leaves the status, which is what matters here.
  }
  const message = daemonMessageOf(text);
  if (response.status === 404) {
    if (isRouterNotFound(message)) return new NoSuchRouteError(message, { request });
    const id = pathParams?.["id"];
    const name = pathParams?.["name"];
    if (schemaPath?.startsWith("/containers/{id}") && typeof id === "string") return new NoSuchContainerError(id, message, { request });
    if (schemaPath?.startsWith("/images/{name}") && typeof name === "string") return new NoSuchImageError(name, message, { request });
    const image = /no such image:\s*(\S+)/i.exec(message);
    if (image) return new NoSuchImageError(image[1]!, message, { request });
    const container = /no such container:\s*(\S+)/i.exec(message);
    if (container) return new NoSuchContainerError(container[1]!, message, { request });
  }
  return new DockerApiError(response.status, message, { request });
}

/**
 * The 404 of a router that has no such route, as opposed to a handler's "no such container":
 * Go's `http.NotFound` text ("404 page not found"), dockerd's JSON `{"message":"page not found"}`
 * and podman's plain "Not Found" (seen from podman 4.3 for `/containers/{id}/update`).
 */
function isRouterNotFound(message: string): boolean {
  return /^(404 )?page not found$|^not found$/i.test(message);
}

function daemonMessageOf(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return trimmed.length > 4096 ? `${trimmed.slice(0, 4096)}…` : trimmed;
}

/** Method and path of a request, for error messages; URL credentials and build args redacted (`redactPath`). */
export function summarize(request: Request): RequestSummary {
  const url = new URL(request.url);
  return { method: request.method, path: redactPath(url.pathname + url.search) };
}

function cloneWithUrl(request: Request, url: string): Request {
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: request.redirect,
  };
  if (request.body !== null) init.duplex = "half";
  return new Request(url, init);
}

/** Waits for `value` unless `signal` aborts first. */
export function raceSignal<T>(value: T | Promise<T>, signal: AbortSignal | null | undefined): Promise<T> | T {
  if (!(value instanceof Promise) || !signal) return value;
  if (signal.aborted) return Promise.reject(new DockerAbortError({ cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DockerAbortError({ cause: signal.reason }));
    signal.addEventListener("abort", onAbort, { once: true });
    value.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Refuses a header value that could end the header line early: CR or LF would start a header
 * of the caller's making (or end the head) on the hijack path, which writes the head by hand,
 * and the runtimes' `Headers` would throw a bare TypeError (or silently trim them at the ends).
 * @throws InvalidOptionError naming the option, never quoting the value (it may be a credential).
 */
export function validateHeaderValue(option: string, value: string): void {
  if (/[\0\r\n]/.test(value)) throw new InvalidOptionError(option, "header values must not contain CR, LF or NUL");
}

const CALL_METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

interface CallInit {
  headers?: unknown;
  body?: unknown;
  params?: { header?: unknown; path?: Record<string, unknown>; query?: Record<string, unknown> };
}

/**
 * Wraps the client's call methods so that (1) header values with CR, LF or NUL are refused as
 * `InvalidOptionError` before anything is built or sent, (2) a 2xx answer whose body is
 * not the JSON it was parsed as (openapi-fetch calls `response.json()`, or `JSON.parse` on the
 * text, after every middleware) becomes a `DockerProtocolError` instead of a bare SyntaxError,
 * and (3) no credential the request carried (`X-Registry-Auth`, `X-Registry-Config`,
 * `Authorization`, an auth body) comes back out in the error (see secrets.ts).
 */
export function guardCalls(api: Client<any>, pin: ApiVersionPin): void {
  type Call = (path: string, init?: CallInit) => Promise<unknown>;
  const target = api as unknown as Record<string, Call>;
  const guard =
    (method: string, call: Call): Call =>
    (path, init) => {
      try {
        if (init) checkHeaders(init);
      } catch (error) {
        return Promise.reject(error);
      }
      return call(path, init).catch((error: unknown) => {
        const failure = error instanceof SyntaxError ? malformedBodyError(method, path, init, pin, error) : error;
        // Whatever the daemon echoed of the credentials this request carried (issue 16 item 3).
        throw init ? redactErrorSecrets(failure, collectRequestSecrets(init)) : failure;
      });
    };
  for (const method of CALL_METHODS) {
    const call = target[method];
    if (typeof call === "function") target[method] = guard(method, call);
  }
  const request = (api as unknown as { request: (method: string, path: string, init?: CallInit) => Promise<unknown> }).request;
  (api as unknown as { request: unknown }).request = (method: string, path: string, init?: CallInit) =>
    guard(method.toUpperCase(), (p, i) => request(method, p, i))(path, init);
}

/** An HTTP header name: a token (RFC 9110 section 5.6.2). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeaders(init: CallInit): void {
  for (const headers of [init.headers, init.params?.header]) {
    if (headers === undefined || headers === null) continue;
    const entries: Iterable<[string, unknown]> =
      headers instanceof Headers || Array.isArray(headers) ? (headers as Iterable<[string, unknown]>) : Object.entries(headers as object);
    for (const [name, value] of entries) {
      // A name with a space (or any non-token character) made `Headers` throw a bare TypeError.
      if (typeof name !== "string" || !HEADER_NAME.test(name)) {
        throw new InvalidOptionError("headers", `${describeValue(name)} is not a valid header name`);
      }
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        // Anything else would be sent as `String(item)`: `[object Object]`, or a throw from its toString.
        if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") {
          throw new InvalidOptionError(`headers.${name}`, `must be a string, got ${describeValue(item)}`);
        }
        validateHeaderValue(`headers.${name}`, String(item));
      }
    }
  }
}

function malformedBodyError(
  method: string,
  path: string,
  init: CallInit | undefined,
  pin: ApiVersionPin,
  cause: SyntaxError,
): DockerProtocolError {
  let request: RequestSummary | undefined;
  try {
    const query = serializeDockerQuery(init?.params?.query);
    const version = pin.current === undefined ? "" : `/v${pin.current}`;
    request = { method, path: redactPath(`${version}${serializeDockerPath(path, init?.params?.path)}${query ? `?${query}` : ""}`) };
  } catch {
    // The request was sent, so its path serializes; this only guards the error path itself.
  }
  const where = request ? ` to ${request.method} ${request.path}` : "";
  return new DockerProtocolError(`the daemon's answer${where} is not valid JSON (${cause.message})`, {
    cause,
    ...(request ? { request } : {}),
  });
}
