/**
 * Typed clients for the API versions berth has generated types for, and the pieces that work
 * with any of them.
 *
 * Any generated version (see docs/regenerating.md) becomes a client with `createDockerApi`:
 *
 * ```ts
 * import type { paths } from "./generated/v1.44/index.js";
 * const docker = createDockerApi<paths>({ preferredVersion: "1.44" });
 * ```
 *
 * Such a client shares everything with the built-in ones: the transport, the version prefix and
 * negotiation, the typed errors, `AbortSignal`s, and the stream machinery (attach, exec, logs,
 * events), whose option and answer types follow the client's `paths` (`src/versions/types.ts`).
 * API 1.41 ships ready-made in `./v1.41.js` (`createDockerApiV141`). `strictApi(docker)` is
 * the same client with exact argument types, so misspelled parameters and body fields fail to
 * compile (`./strict-client.ts` says why openapi-fetch's own types let them through).
 */
export { encodeFilters } from "./filters.js";
export { strictApi } from "./strict-client.js";
export type { PathsWithMethod, StrictClient, StrictClientOf, StrictInit, StrictMethod, StrictResponse } from "./strict-client.js";
export type { DockerFilters } from "./filters.js";
export type { ForVersion, HttpMethod, IsAny, JsonRequestBody, JsonResponse, OperationOf, PathsOf, QueryParameters } from "./types.js";
