/**
 * Type helpers that read request and answer types out of any generated `paths` type, so code
 * written once (exec, logs, user helpers) takes the types of whichever API version its client
 * was made for. They look at the shape openapi-typescript emits: `paths[path][method]` is an
 * operation with `parameters`, `requestBody` and `responses`.
 */
import type { DockerApi } from "../api.js";

/** HTTP methods an operation can sit under in a `paths` type. */
export type HttpMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

/** The `paths` type a low-level client was made with. */
export type PathsOf<Docker> = Docker extends DockerApi<infer Paths> ? Paths : never;

/** True when `T` is `any` (a `DockerApi<any>` carries no version's types). */
export type IsAny<T> = 0 extends 1 & T ? true : false;

/** The operation object at `Path` and `Method`, or `never` if the version has none. */
export type OperationOf<Paths, Path extends string, Method extends HttpMethod> = Path extends keyof Paths
  ? Method extends keyof Paths[Path]
    ? NonNullable<Paths[Path][Method]>
    : never
  : never;

/** The JSON request body of an operation (`never` if it takes none). */
export type JsonRequestBody<Paths, Path extends string, Method extends HttpMethod> =
  OperationOf<Paths, Path, Method> extends { requestBody?: infer Body }
    ? NonNullable<Body> extends { content: { "application/json": infer Json } }
      ? Json
      : never
    : never;

/** The JSON answer of an operation for one status (default 200). */
export type JsonResponse<Paths, Path extends string, Method extends HttpMethod, Status extends number = 200> =
  OperationOf<Paths, Path, Method> extends { responses: infer Responses }
    ? Status extends keyof Responses
      ? Responses[Status] extends { content: { "application/json": infer Json } }
        ? Json
        : never
      : never
    : never;

/** The query parameters of an operation (`never` if it takes none). */
export type QueryParameters<Paths, Path extends string, Method extends HttpMethod> =
  OperationOf<Paths, Path, Method> extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;

/**
 * `Versioned` for a client made with a generated `paths` type, `Fallback` (berth's v1.41
 * types) for a `DockerApi<any>`. What the wrappers use to type their options and answers.
 */
export type ForVersion<Paths, Versioned, Fallback> = IsAny<Paths> extends true ? Fallback : Versioned;
