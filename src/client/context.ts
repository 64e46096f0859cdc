/**
 * What every client function works with: the low-level typed API of one daemon, plus the
 * few facts about the daemon that version-dependent calls need (fetched once, on demand).
 * The functions in containers.ts, images.ts and system.ts take a `ClientContext`, so new
 * features (attach, events) can be added to `DockerClient` the same way: a function taking
 * the context, and a one-line method.
 */
import type { Client } from "openapi-fetch";
import type { DockerApi } from "../api.js";
import { DockerProtocolError, type RequestSummary } from "../errors.js";
import { compareApiVersions, probeDaemonApiRange, type DaemonApiRange } from "../version.js";
import type { DockerPaths, LaterPaths } from "./types.js";

/** What every call accepts. */
export interface CallOptions {
  /** Aborts the call (and the stream of a streaming call) with `DockerAbortError`. */
  signal?: AbortSignal | undefined;
}

/** The low-level API plus cached daemon facts. */
export interface ClientContext {
  readonly docker: DockerApi<DockerPaths>;
  /** The daemon's accepted API range (unversioned `GET /version`), asked once and remembered. */
  daemonRange(signal?: AbortSignal): Promise<DaemonApiRange>;
}

/** Wraps a low-level API as a client context. */
export function createClientContext(docker: DockerApi<DockerPaths>): ClientContext {
  let range: Promise<DaemonApiRange> | undefined;
  return {
    docker,
    daemonRange(signal) {
      range ??= probeDaemonApiRange(docker.transport, signal).catch((error: unknown) => {
        range = undefined;
        throw error;
      });
      return range;
    },
  };
}

/** True when the API version in use is `version` or later. */
export async function apiAtLeast(context: ClientContext, version: string, signal?: AbortSignal): Promise<boolean> {
  return compareApiVersions(await context.docker.apiVersion(signal), version) >= 0;
}

/**
 * The same low-level client, typed for the endpoints of later API versions that the client
 * calls where a v1.10 endpoint was removed (see compat.ts). The version prefix and error
 * middleware apply as for every other call.
 */
export function laterApi(context: ClientContext): Client<LaterPaths> {
  return context.docker.api as unknown as Client<LaterPaths>;
}

/** `{ signal }` when there is one (openapi-fetch passes unknown init keys to the request). */
export function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** Parses a JSON answer read as text; an empty body is `undefined`. */
export function parseJsonBody(text: string | undefined, request: RequestSummary): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    const snippet = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    throw new DockerProtocolError(`the daemon's answer is not JSON: ${JSON.stringify(snippet)}`, { cause, request });
  }
}
