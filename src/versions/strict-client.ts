/**
 * `StrictClient`: the openapi-fetch client's own calls, typed so that a misspelled query
 * parameter or body field fails to compile.
 *
 * Why: openapi-fetch (0.13 to at least 0.17) infers the whole `init` argument as a type
 * parameter and adds `[key: string]: unknown` to it, so TypeScript never runs its excess
 * property check on the object literal. `{ body: { Image, Hostconfig } }` (for `HostConfig`)
 * or `{ query: { all: true, limt: 5 } }` compile, and only a literal whose every key is wrong
 * is caught (openapi-ts/openapi-typescript#2329, open). Here the only type parameters are the
 * path and `parseAs` (read from that one property), so the init argument has a concrete type
 * when it is checked and every unknown key at any depth is an error. Run time is unchanged:
 * it is the same client object, and answers are typed exactly as openapi-fetch types them.
 */
import type { Client, FetchOptions, FetchResponse, Middleware, ParseAs } from "openapi-fetch";
import type { DockerApi } from "../api.js";
import type { HttpMethod, IsAny } from "./types.js";

/** The paths that have an operation under `Method`. */
export type PathsWithMethod<Paths, Method extends HttpMethod> = {
  [Path in keyof Paths]: Paths[Path] extends { [M in Method]: unknown } ? Path : never;
}[keyof Paths];

/** The operation at `Path` and `Method`. */
type Operation<Paths, Path extends keyof Paths, Method extends HttpMethod> = Paths[Path] extends { [M in Method]: infer Op } ? Op : never;

/** The init argument for one operation: its params and body, fetch options, and `parseAs`. */
export type StrictInit<Op, As extends ParseAs> = Omit<FetchOptions<Op>, "parseAs"> & { parseAs?: As };

/** The init argument as a rest tuple: optional when the operation requires nothing. */
type InitArgument<Op, As extends ParseAs> = {} extends FetchOptions<Op> ? [init?: StrictInit<Op, As>] : [init: StrictInit<Op, As>];

/** The success member's `data` of an openapi-fetch answer type (the error member has no required `data`). */
type SuccessData<Response> = Response extends { data: infer Data } ? Data : never;

/**
 * What a call resolves to: openapi-fetch's success answer for the operation and `parseAs`. Only
 * the success member: berth's middleware throws a typed error for every error status (see
 * src/middleware.ts), so a call that resolves has succeeded and `data` needs no `!` or check.
 */
export interface StrictResponse<Op, As extends ParseAs> {
  /** The answer's body, parsed as `parseAs` says (JSON by default). */
  data: SuccessData<FetchResponse<Op & Record<string | number, any>, { parseAs: As }, `${string}/${string}`>>;
  /** Never set: an error status rejects the call with a typed error instead. */
  error?: never;
  /** The raw response (status, headers). */
  response: Response;
}

/** One HTTP method of the strict client. */
export type StrictMethod<Paths, Method extends HttpMethod> = <Path extends PathsWithMethod<Paths, Method>, As extends ParseAs = "json">(
  url: Path,
  ...init: InitArgument<Operation<Paths, Path, Method>, As>
) => Promise<StrictResponse<Operation<Paths, Path, Method>, As>>;

/**
 * openapi-fetch's client with exact init arguments (see the top of this file). A client
 * without types (`DockerApi<any>`) keeps openapi-fetch's own `Client<any>`.
 */
export type StrictClient<Paths extends {}> = IsAny<Paths> extends true ? Client<any> : StrictClientOf<Paths>;

/**
 * The strict client of a generated `paths` type. It is not assignable to openapi-fetch's
 * `Client` (TypeScript cannot match its generic init against this one), so code that wants
 * the raw client of a typed `DockerApi` should name this type, or take a `DockerApi<any>`.
 */
export interface StrictClientOf<Paths extends {}> {
  /** Calls a GET endpoint. */
  GET: StrictMethod<Paths, "get">;
  /** Calls a PUT endpoint. */
  PUT: StrictMethod<Paths, "put">;
  /** Calls a POST endpoint. */
  POST: StrictMethod<Paths, "post">;
  /** Calls a DELETE endpoint. */
  DELETE: StrictMethod<Paths, "delete">;
  /** Calls an OPTIONS endpoint. */
  OPTIONS: StrictMethod<Paths, "options">;
  /** Calls a HEAD endpoint. */
  HEAD: StrictMethod<Paths, "head">;
  /** Calls a PATCH endpoint. */
  PATCH: StrictMethod<Paths, "patch">;
  /** Calls a TRACE endpoint. */
  TRACE: StrictMethod<Paths, "trace">;
  /**
   * Calls any method: `request("post", "/containers/create", { body })`. Typed as openapi-fetch
   * types it (no exact init check): a generic method cannot be compared with openapi-fetch's
   * signature, and keeping it identical keeps the client assignable to `Client<Paths>`.
   */
  request: Client<Paths>["request"];
  /** Registers middleware. */
  use(...middleware: Middleware[]): void;
  /** Unregisters middleware. */
  eject(...middleware: Middleware[]): void;
}

/**
 * The client's calls with exact init arguments: `strictApi(docker).POST("/containers/create", { body })`.
 * The same object as `docker.api`, only typed differently.
 */
export function strictApi<Paths extends {}>(docker: DockerApi<Paths>): StrictClient<Paths> {
  return docker.api as Client<Paths> as unknown as StrictClient<Paths>;
}
