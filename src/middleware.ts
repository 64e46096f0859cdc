/**
 * Cross-cutting behaviour of every plain request, each as one openapi-fetch middleware:
 * the API version prefix, the User-Agent, and turning error answers into typed errors.
 */
import type { Middleware } from "openapi-fetch";
import { DockerAbortError, DockerApiError, NoSuchContainerError, NoSuchImageError, isDockerError, type RequestSummary } from "./errors.js";
import { DockerRequest } from "./transport/messages.js";
import type { ApiVersionPin } from "./version.js";

/** Prefixes `/v<version>` to every path, negotiating the version on first use. */
export function versionPrefixMiddleware(pin: ApiVersionPin): Middleware {
  return {
    async onRequest({ request }) {
      const version = await raceSignal(pin.resolve(), request.signal);
      const url = new URL(request.url);
      const versioned = `${url.origin}/v${version}${url.pathname}${url.search}`;
      // berth's own request objects take the new URL in place; a global Request is copied.
      if (request instanceof DockerRequest) {
        (request as DockerRequest).url = versioned;
        return undefined;
      }
      return cloneWithUrl(request, versioned);
    },
  };
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
      if (response.ok || response.status === 101 || response.status === 304) return undefined;
      throw await apiErrorFromResponse(response, summarize(request), schemaPath, params.path as Record<string, unknown> | undefined);
    },
    onError({ error, request }) {
      if (isDockerError(error)) return error;
      if (error instanceof Error && error.name === "AbortError") return new DockerAbortError({ cause: error, request: summarize(request) });
      return error instanceof Error ? error : new Error(String(error));
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

/** Method and path of a request, for error messages. Paths carry no credentials in this API. */
export function summarize(request: Request): RequestSummary {
  const url = new URL(request.url);
  return { method: request.method, path: url.pathname + url.search };
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
