/**
 * The swarm methods the generated clients add beside their operations (the overlay's
 * `x-berth-kinds` extras): `services.waitConverged`, `nodes.waitDrained` and
 * `services.logLines`, each the swarm function of the same purpose bound to the client's core.
 */
import type { DockerApi } from "../api.js";
import { waitForConvergence, type ConvergenceOptions, type ConvergenceProgress } from "./converge.js";
import { serviceLogs, type ServiceLogLine, type ServiceLogsOptions } from "./logs.js";
import { waitForNodeDrained, type DrainOptions } from "./nodes.js";

/** Options of `services.waitConverged`: the service plus the convergence options. */
export interface WaitConvergedOptions extends ConvergenceOptions {
  /** Service ID or name. */
  id: string;
}
/** Options of `nodes.waitDrained`. */
export interface WaitDrainedOptions extends DrainOptions {
  /** Node ID or hostname. */
  id: string;
}
/** Options of `services.logLines`. */
export interface LogLinesOptions extends ServiceLogsOptions {
  /** Service ID or name. */
  id: string;
}

/** The extra methods by name, as the generated clients type them. */
export interface SwarmExtraMethods {
  waitConverged(options: WaitConvergedOptions): Promise<ConvergenceProgress>;
  waitDrained(options: WaitDrainedOptions): Promise<void>;
  logLines(options: LogLinesOptions): AsyncGenerator<ServiceLogLine, void, undefined>;
}

const BINDERS: { [K in keyof SwarmExtraMethods]: (core: DockerApi<any>) => SwarmExtraMethods[K] } = {
  waitConverged: (core) => (options) => waitForConvergence(core, options.id, options),
  waitDrained: (core) => (options) => waitForNodeDrained(core, options.id, options),
  logLines: (core) => (options) => serviceLogs(core, { service: options.id }, options),
};

/** The extra method `name` bound to `core`, or undefined when `name` is not a swarm extra. */
export function bindSwarmExtra(core: DockerApi<any>, name: string): ((options: never) => unknown) | undefined {
  return Object.hasOwn(BINDERS, name) ? BINDERS[name as keyof SwarmExtraMethods](core) : undefined;
}
