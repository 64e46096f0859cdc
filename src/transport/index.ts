/**
 * Picks the transport for the runtime berth runs on. The only place that asks which runtime
 * this is; every quirk lives in that runtime's own file.
 */
import { createBunTransport } from "./bun.js";
import { createDenoTransport } from "./deno.js";
import { createNodeTransport } from "./node.js";
import { checkTransportTimeouts } from "./options.js";
import { createSshTransport } from "./ssh.js";
import type { Transport, TransportOptions } from "./types.js";

export type { ConnectOptions, RawConnection, Transport, TransportOptions } from "./types.js";
export type { SshOptions } from "./ssh.js";

/** The JavaScript runtimes berth supports. */
export type Runtime = "node" | "bun" | "deno";

/** Which runtime is executing. Deno is checked first: it also defines `process` for npm packages. */
export function detectRuntime(): Runtime {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  return "node";
}

/**
 * Creates the transport for `options.endpoint` on the given (default: current) runtime. An
 * `ssh://` endpoint gets the ssh transport on every runtime (it runs the system ssh binary).
 * @throws InvalidOptionError for a timeout that is not an integer from 0 to 2^31 - 1.
 */
export function createTransport(options: TransportOptions, runtime: Runtime = detectRuntime()): Transport {
  checkTransportTimeouts(options);
  if (options.endpoint.kind === "ssh") return createSshTransport(options);
  switch (runtime) {
    case "deno":
      return createDenoTransport(options);
    case "bun":
      return createBunTransport(options);
    default:
      return createNodeTransport(options);
  }
}
