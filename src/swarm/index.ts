/**
 * Docker Swarm: services with convergence waits, rolling updates and rollbacks, task logs with
 * their task and node, nodes and draining, secrets and configs, and the swarm itself.
 * Every function takes a client whose API version has the Swarm endpoints (`SwarmDocker`).
 */
export * from "./errors.js";
export type {
  Config,
  ConfigReference,
  NodeSpec,
  Secret,
  SecretReference,
  Service,
  ServiceSpec,
  SwarmDocker,
  SwarmInitRequest,
  SwarmInspect,
  SwarmJoinRequest,
  SwarmNode,
  SwarmPaths,
  SwarmSpec,
  Task,
  TaskState,
} from "./types.js";
export { convergenceProgress, describeProgress, waitForConvergence } from "./converge.js";
export type { ConvergenceOptions, ConvergenceProgress, ReplicaProgress } from "./converge.js";
export * from "./services.js";
export * from "./nodes.js";
export * from "./secrets.js";
export * from "./logs.js";
export * from "./swarm.js";
