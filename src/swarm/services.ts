/**
 * Services: create, update, scale, roll back and remove, each optionally waiting for the
 * swarm to converge (what `docker service create|update|scale|rollback` do by default), with
 * registry credentials forwarded to the nodes through `X-Registry-Auth`.
 */
import { registryAuthHeader } from "../client/auth.js";
import type { AuthConfiguration } from "../client/types.js";
import { encodeFilters, type DockerFilters } from "../versions/filters.js";
import { swarmCall } from "./call.js";
import { waitForConvergence, type ConvergenceOptions, type ConvergenceProgress } from "./converge.js";
import { asV141, withSignal, type Service, type ServiceSpec, type SignalOption, type SwarmDocker, type Task } from "./types.js";

/** Options of the calls that change a service. */
export interface ServiceChangeOptions extends ConvergenceOptions {
  /**
   * Registry credentials for the service's image, sent as `X-Registry-Auth`: the manager
   * resolves the image digest with them and hands them to every node that pulls it.
   */
  registryAuth?: AuthConfiguration | undefined;
  /** Wait until the service has converged (default true), like the docker CLI without `--detach`. */
  wait?: boolean | undefined;
}

/** What a create or update returns. */
export interface ServiceChangeResult {
  /** The service's ID. */
  id: string;
  /** The daemon's warnings (an image that could not be resolved to a digest, ...). */
  warnings: string[];
  /** The converged snapshot, when the call waited. */
  converged?: ConvergenceProgress | undefined;
}

/** Lists services (`filters`: `id`, `label`, `mode`, `name`). `status: true` adds running/desired task counts (API 1.41). */
export async function listServices(
  docker: SwarmDocker,
  options: SignalOption & { filters?: DockerFilters | undefined; status?: boolean | undefined } = {},
): Promise<Service[]> {
  const query = { filters: options.filters ? encodeFilters(options.filters) : undefined, status: options.status };
  return (await swarmCall(() => asV141(docker).api.GET("/services", { params: { query }, ...withSignal(options.signal) }))) ?? [];
}

/** Inspects a service by ID or name. @throws `DockerApiError` 404 when there is none. */
export async function inspectService(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<Service> {
  return swarmCall(() => asV141(docker).api.GET("/services/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/**
 * Creates a service and (unless `wait: false`) waits until every replica runs.
 * @example
 * const { id } = await createService(docker, {
 *   Name: "web",
 *   TaskTemplate: { ContainerSpec: { Image: "busybox", Command: ["sleep", "300"] } },
 *   Mode: { Replicated: { Replicas: 3 } },
 * }, { onProgress: (p) => console.log(`${p.running}/${p.desired}`) });
 * @throws `SwarmUnavailableError`, `DockerApiError` (409 name in use), the convergence errors.
 */
export async function createService(
  docker: SwarmDocker,
  spec: ServiceSpec,
  options: ServiceChangeOptions = {},
): Promise<ServiceChangeResult> {
  const created = await swarmCall(() =>
    asV141(docker).api.POST("/services/create", {
      body: spec,
      params: { header: registryAuthHeader(options.registryAuth) },
      ...withSignal(options.signal),
    }),
  );
  const id = created.ID ?? "";
  const warnings = (created as { Warnings?: string[] | null }).Warnings ?? [];
  if (options.wait === false) return { id, warnings };
  return { id, warnings, converged: await waitForConvergence(docker, id, options) };
}

/** A new spec, or a function of the current one (which it may change in place). */
export type ServiceSpecChange = ServiceSpec | ((current: ServiceSpec) => ServiceSpec | void);

/**
 * Updates a service: reads its spec and version, applies `change`, sends it, and (unless
 * `wait: false`) waits for the rolling update to finish and every replica to run. An update
 * the swarm pauses or rolls back rejects with `ServiceUpdateFailedError` (`rolledBack` says which).
 * @throws `ServiceUpdateFailedError`, `SwarmUnavailableError`, `DockerApiError`, the convergence errors.
 */
export async function updateService(
  docker: SwarmDocker,
  id: string,
  change: ServiceSpecChange,
  options: ServiceChangeOptions & { rollback?: boolean | undefined } = {},
): Promise<ServiceChangeResult> {
  const api = asV141(docker).api;
  const current = await inspectService(docker, id, options);
  const before = structuredClone(current.Spec ?? {});
  let spec: ServiceSpec;
  if (typeof change === "function") {
    const draft = structuredClone(before);
    spec = change(draft) ?? draft;
  } else {
    spec = change;
  }
  const serviceId = current.ID ?? id;
  const answer = await swarmCall(() =>
    api.POST("/services/{id}/update", {
      params: {
        path: { id: serviceId },
        query: { version: current.Version?.Index ?? 0, ...(options.rollback ? { rollback: "previous" } : {}) },
        header: registryAuthHeader(options.registryAuth),
      },
      body: spec,
      ...withSignal(options.signal),
    }),
  );
  const warnings = answer?.Warnings ?? [];
  if (options.wait === false) return { id: serviceId, warnings };
  // A changed task template (or a rollback) starts a rolling update: wait for that update, not
  // an older one; a change of the replica count alone starts none.
  // The manager stamps the new UpdateStatus (StartedAt) inside the update call, a moment before
  // the service's new UpdatedAt: so the update waited for is one that started after the
  // service's previous UpdatedAt (both written by the manager's clock).
  const updateSince =
    options.rollback || JSON.stringify(before.TaskTemplate ?? {}) !== JSON.stringify(spec.TaskTemplate ?? {})
      ? (current.UpdatedAt ?? "")
      : undefined;
  const converged = await waitForConvergence(docker, serviceId, { ...options, updateSince, rollback: options.rollback });
  return { id: serviceId, warnings, converged };
}

/** Sets a replicated service's replica count and (unless `wait: false`) waits until exactly that many run. */
export async function scaleService(
  docker: SwarmDocker,
  id: string,
  replicas: number,
  options: ServiceChangeOptions = {},
): Promise<ServiceChangeResult> {
  return updateService(
    docker,
    id,
    (spec) => {
      spec.Mode = { Replicated: { Replicas: replicas } };
    },
    options,
  );
}

/** Rolls a service back to its previous spec (`rollback=previous`) and waits for the rollback to finish. */
export async function rollbackService(docker: SwarmDocker, id: string, options: ServiceChangeOptions = {}): Promise<ServiceChangeResult> {
  return updateService(docker, id, (spec) => spec, { ...options, rollback: true });
}

/** Removes a service; its tasks are shut down by the swarm afterwards. */
export async function removeService(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<void> {
  await swarmCall(() => asV141(docker).api.DELETE("/services/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/** Lists tasks (`filters`: `service`, `node`, `desired-state`, `label`, `name`, `id`). */
export async function listTasks(
  docker: SwarmDocker,
  options: SignalOption & { filters?: DockerFilters | undefined } = {},
): Promise<Task[]> {
  const query = { filters: options.filters ? encodeFilters(options.filters) : undefined };
  return (await swarmCall(() => asV141(docker).api.GET("/tasks", { params: { query }, ...withSignal(options.signal) }))) ?? [];
}
