/**
 * The types the swarm functions share: which clients they accept and friendly names for the
 * Swarm objects of the generated v1.41 types (services, tasks, nodes, secrets, configs).
 */
import type { DockerApi } from "../api.js";
import type { components, paths as V141Paths } from "../versions/v1.41.js";
import type { JsonRequestBody, JsonResponse } from "../versions/types.js";

// The `signal` option and its spreading are the exec functions' own, shared here.
export { asV141, withSignal, type SignalOption } from "../exec/types.js";

/**
 * What a `paths` type needs for the swarm functions: the Swarm endpoints (API 1.24 and
 * later), so a client without them is refused at compile time.
 */
export interface SwarmPaths {
  "/swarm": unknown;
  "/services": unknown;
  "/services/{id}": unknown;
  "/tasks": unknown;
  "/nodes": unknown;
}

/** A client the swarm functions accept: any `DockerApi` whose version has the Swarm endpoints. */
export type SwarmDocker = DockerApi<SwarmPaths>;

type Schemas = components["schemas"];

/** A service as `GET /services/{id}` answers it. */
export type Service = Schemas["Service"];
/** What a service is made of: `TaskTemplate`, `Mode`, `UpdateConfig`, ... (body of create and update). */
export type ServiceSpec = Schemas["ServiceSpec"];
/** One task (one replica's attempt) as `GET /tasks` answers it. */
export type Task = Schemas["Task"];
/** The state of a task: `new` ... `running`, `complete`, `failed`, `rejected`, ... */
export type TaskState = NonNullable<NonNullable<Task["Status"]>["State"]>;
/** A node as `GET /nodes/{id}` answers it. */
export type SwarmNode = Schemas["Node"];
/** A node's `Spec`: `Role`, `Availability`, `Labels`. */
export type NodeSpec = Schemas["NodeSpec"];
/** The swarm as `GET /swarm` answers it (with the join tokens). */
export type SwarmInspect = JsonResponse<V141Paths, "/swarm", "get">;
/** The swarm's `Spec` (body of `POST /swarm/update`). */
export type SwarmSpec = Schemas["SwarmSpec"];
/** Body of `POST /swarm/init`. */
export type SwarmInitRequest = JsonRequestBody<V141Paths, "/swarm/init", "post">;
/** Body of `POST /swarm/join`. */
export type SwarmJoinRequest = JsonRequestBody<V141Paths, "/swarm/join", "post">;
/** A secret's metadata (its data is never returned). */
export type Secret = Schemas["Secret"];
/** A config, data included. */
export type Config = Schemas["Config"];
/** A secret mounted into a service's tasks (`TaskTemplate.ContainerSpec.Secrets[]`). */
export type SecretReference = NonNullable<NonNullable<NonNullable<ServiceSpec["TaskTemplate"]>["ContainerSpec"]>["Secrets"]>[number];
/** A config mounted into a service's tasks (`TaskTemplate.ContainerSpec.Configs[]`). */
export type ConfigReference = NonNullable<NonNullable<NonNullable<ServiceSpec["TaskTemplate"]>["ContainerSpec"]>["Configs"]>[number];
