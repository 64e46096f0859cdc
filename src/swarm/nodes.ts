/**
 * Nodes: list, inspect, change availability (drain, pause, active) or role, and wait until a
 * drained node's tasks have moved elsewhere.
 */
import { encodeFilters, type DockerFilters } from "../versions/filters.js";
import { pause, swarmCall } from "./call.js";
import { SwarmWaitTimeoutError } from "./errors.js";
import { asV141, withSignal, type NodeSpec, type SignalOption, type SwarmDocker, type SwarmNode } from "./types.js";

/** Lists the swarm's nodes (`filters`: `id`, `label`, `membership`, `name`, `node.label`, `role`). */
export async function listNodes(
  docker: SwarmDocker,
  options: SignalOption & { filters?: DockerFilters | undefined } = {},
): Promise<SwarmNode[]> {
  const query = { filters: options.filters ? encodeFilters(options.filters) : undefined };
  return (await swarmCall(() => asV141(docker).api.GET("/nodes", { params: { query }, ...withSignal(options.signal) }))) ?? [];
}

/** Inspects a node by ID or hostname. */
export async function inspectNode(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<SwarmNode> {
  return swarmCall(() => asV141(docker).api.GET("/nodes/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/**
 * Changes a node's spec: reads it and its version, applies `change`, sends it. The version
 * check makes a concurrent change fail (409) instead of being overwritten.
 */
export async function updateNode(
  docker: SwarmDocker,
  id: string,
  change: Partial<NodeSpec> | ((current: NodeSpec) => NodeSpec | void),
  options: SignalOption = {},
): Promise<void> {
  const node = await inspectNode(docker, id, options);
  const current = structuredClone(node.Spec ?? {});
  const spec = typeof change === "function" ? (change(current) ?? current) : { ...current, ...change };
  await swarmCall(() =>
    asV141(docker).api.POST("/nodes/{id}/update", {
      params: { path: { id: node.ID ?? id }, query: { version: node.Version?.Index ?? 0 } },
      body: spec,
      ...withSignal(options.signal),
    }),
  );
}

/** Options of `drainNode` and `waitForNodeDrained`. */
export interface DrainOptions extends SignalOption {
  /** Give up after this many ms (`SwarmWaitTimeoutError`). Default 120 000. */
  timeoutMs?: number | undefined;
  /** Milliseconds between polls. Default 250. */
  pollMs?: number | undefined;
  /** Wait until the node's tasks have stopped (default true). */
  wait?: boolean | undefined;
}

/**
 * Sets a node's availability to `drain` and (unless `wait: false`) waits until no task runs
 * on it any more: the swarm has stopped them and rescheduled the service replicas elsewhere.
 */
export async function drainNode(docker: SwarmDocker, id: string, options: DrainOptions = {}): Promise<void> {
  await updateNode(docker, id, { Availability: "drain" }, options);
  if (options.wait !== false) await waitForNodeDrained(docker, id, options);
}

/** Sets a node's availability back to `active` (new tasks may be scheduled on it again). */
export async function activateNode(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<void> {
  await updateNode(docker, id, { Availability: "active" }, options);
}

/** Waits until no task the swarm wants running, and no task still running, is on the node. */
export async function waitForNodeDrained(docker: SwarmDocker, id: string, options: DrainOptions = {}): Promise<void> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const node = await inspectNode(docker, id, options);
  const nodeId = node.ID ?? id;
  for (;;) {
    const tasks =
      (await swarmCall(() =>
        asV141(docker).api.GET("/tasks", {
          params: { query: { filters: encodeFilters({ node: [nodeId] }) } },
          ...withSignal(options.signal),
        }),
      )) ?? [];
    const left = tasks.filter((t) => t.DesiredState === "running" || t.Status?.State === "running" || t.Status?.State === "starting");
    if (left.length === 0) return;
    if (timeoutMs > 0 && Date.now() - started > timeoutMs) {
      throw new SwarmWaitTimeoutError(`node ${nodeId} to drain`, timeoutMs, `${left.length} task(s) still on it, e.g. ${left[0]!.ID}`);
    }
    await pause(options.pollMs ?? 250, options.signal);
  }
}
