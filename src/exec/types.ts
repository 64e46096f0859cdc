/**
 * The types the exec functions share: which clients they accept and, per the client's API
 * version, what an exec config and an exec inspection look like.
 */
import type { DockerApi } from "../api.js";
import type { ExecCreateRequest, ExecInspectResponse, paths as V141Paths } from "../versions/v1.41.js";
import type { ForVersion, JsonRequestBody, JsonResponse } from "../versions/types.js";

/**
 * What a `paths` type needs for the exec functions: the exec endpoints (API 1.15 and later;
 * berth's v1.10 types have none, so a v1.10 client is refused at compile time).
 */
export interface ExecPaths {
  "/containers/{id}/exec": unknown;
  "/exec/{id}/start": unknown;
  "/exec/{id}/json": unknown;
  "/exec/{id}/resize": unknown;
}

/** Body of `POST /containers/{id}/exec` in the client's API version: `Cmd`, `AttachStdin`, `Tty`, `Env`, ... */
export type ExecConfig<Paths = V141Paths> = ForVersion<Paths, JsonRequestBody<Paths, "/containers/{id}/exec", "post">, ExecCreateRequest>;

/** Answer of `GET /exec/{id}/json` in the client's API version. */
export type ExecInspect<Paths = V141Paths> = ForVersion<Paths, JsonResponse<Paths, "/exec/{id}/json", "get">, ExecInspectResponse>;

/** The `signal` option every call takes. */
export interface SignalOption {
  /** Aborts the request (`DockerAbortError`). */
  signal?: AbortSignal | undefined;
}

/** Inside the exec functions every call is typed against API 1.41, whatever the caller's version. */
export const asV141 = (docker: DockerApi<any>): DockerApi<V141Paths> => docker;

/** `{ signal }` when there is one, nothing otherwise: spread into openapi-fetch's options. */
export const withSignal = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});
