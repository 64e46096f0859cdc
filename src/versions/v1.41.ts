/**
 * The typed client for Docker Engine API 1.41 (Docker 20.10): `createDockerApi` with the
 * generated v1.41 `paths`, and friendly names for the types most code needs. The types come
 * from `generated/v1.41/` (the official v1.41 document with berth's overlay, see
 * generated/README.md); importing them here costs nothing at run time.
 *
 * Everything else in berth (attach, exec, logs, events, the hijack seam, the typed errors)
 * takes this client as it is: it is a `DockerApi` like any other.
 *
 * @module berth/v1.41
 */
import { createDockerApi, type ConnectionOptions, type DockerApi } from "../api.js";
import type { components, operations, paths } from "../../generated/v1.41/index.js";
import { definition } from "../../generated/v1.41/methods.js";
import { createDocker, type DockerOptions } from "../generic/client.js";
import type { Docker } from "../generic/types.js";
import type { JsonRequestBody, JsonResponse, QueryParameters } from "./types.js";

/** The generated v1.41 types, for code that needs more than the aliases below. */
export type { components, operations, paths } from "../../generated/v1.41/index.js";

/** The API version the v1.41 types describe. */
export const API_VERSION_V141 = "1.41";

/** A low-level client typed for API 1.41. */
export type DockerApiV141 = DockerApi<paths>;

/** Options of `createDockerApiV141`: the connection; the preferred version is 1.41. */
export type DockerApiV141Options = ConnectionOptions;

/**
 * Creates the API 1.41 client. Negotiation aims for 1.41 (clamped into the daemon's range, see
 * src/version.ts); pass `apiVersion` to pin a version instead.
 * @example
 * const docker = createDockerApiV141({ host: "unix:///var/run/docker.sock" });
 * const { data } = await docker.api.GET("/containers/{id}/json", { params: { path: { id } } });
 */
export function createDockerApiV141(options: DockerApiV141Options = {}): DockerApiV141 {
  return createDockerApi<paths>({ ...options, preferredVersion: API_VERSION_V141 });
}

/** The generic client typed for API 1.41: every operation as a method (see docs/generic-client.md). */
export type DockerV141 = Docker<typeof definition>;

/** The API 1.41 method table, for `createDocker(definitionV141, options)`. */
export { definition as definitionV141 } from "../../generated/v1.41/methods.js";

/**
 * Creates the generic client for API 1.41: `docker.containers.create({ body })`,
 * `docker.networks.list()`, `docker.system.dataUsage()`, ... Negotiation aims for 1.41.
 * @example
 * await using docker = createDockerV141({ host: process.env.DOCKER_HOST });
 * const { Id } = await docker.containers.create({ body: { Image: "busybox", Cmd: ["true"] } });
 */
export function createDockerV141(options: DockerOptions = {}): DockerV141 {
  return createDocker(definition, options);
}

type Schemas = components["schemas"];

/** Body of `POST /containers/create`: the container config plus `HostConfig` and `NetworkingConfig`. */
export type ContainerCreateRequest = JsonRequestBody<paths, "/containers/create", "post">;
/** Answer of `POST /containers/create`. */
export type ContainerCreateResponse = JsonResponse<paths, "/containers/create", "post", 201>;
/** Answer of `GET /containers/{id}/json`. */
export type ContainerInspectResponse = JsonResponse<paths, "/containers/{id}/json", "get">;
/** One entry of `GET /containers/json`. */
export type ContainerSummary = Schemas["ContainerSummary"];
/** Query of `GET /containers/json` (`filters` is a JSON string: see `encodeFilters`). */
export type ContainerListQuery = QueryParameters<paths, "/containers/json", "get">;
/** Query of `GET /containers/{id}/logs`. */
export type ContainerLogsQuery = QueryParameters<paths, "/containers/{id}/logs", "get">;
/** A container's host configuration (`HostConfig` of create and inspect). */
export type HostConfig = Schemas["HostConfig"];
/** The container configuration part of create and inspect (`Config`). */
export type ContainerConfig = Schemas["ContainerConfig"];
/** Body of `POST /containers/{id}/exec`. */
export type ExecCreateRequest = JsonRequestBody<paths, "/containers/{id}/exec", "post">;
/** Body of `POST /exec/{id}/start`. */
export type ExecStartRequest = JsonRequestBody<paths, "/exec/{id}/start", "post">;
/** Answer of `GET /exec/{id}/json`. */
export type ExecInspectResponse = JsonResponse<paths, "/exec/{id}/json", "get">;
/** Answer of `POST /containers/{id}/wait`. */
export type ContainerWaitResponse = Schemas["ContainerWaitResponse"];
/** Answer of `GET /version`. */
export type SystemVersion = Schemas["SystemVersion"];
/** The operation ids of API 1.41, e.g. `"ContainerCreate"`. */
export type OperationIdV141 = keyof operations;
