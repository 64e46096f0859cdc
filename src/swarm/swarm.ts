/**
 * The swarm itself: init, join, leave, inspect, update, join tokens and the unlock key.
 */
import { swarmCall } from "./call.js";
import {
  asV141,
  withSignal,
  type SignalOption,
  type SwarmDocker,
  type SwarmInitRequest,
  type SwarmInspect,
  type SwarmJoinRequest,
  type SwarmSpec,
} from "./types.js";

/**
 * Makes the daemon the first manager of a new swarm. `ListenAddr` defaults to `0.0.0.0:2377`
 * on the daemon's side; give `AdvertiseAddr` when the host has several addresses.
 * @returns the new node's ID.
 */
export async function initSwarm(docker: SwarmDocker, request: SwarmInitRequest, options: SignalOption = {}): Promise<string> {
  return swarmCall(() => asV141(docker).api.POST("/swarm/init", { body: request, ...withSignal(options.signal) }));
}

/** Joins the daemon to an existing swarm, as a worker or a manager depending on the token. */
export async function joinSwarm(docker: SwarmDocker, request: SwarmJoinRequest, options: SignalOption = {}): Promise<void> {
  await swarmCall(() => asV141(docker).api.POST("/swarm/join", { body: request, ...withSignal(options.signal) }));
}

/** Leaves the swarm. A manager must `force` (and the swarm may lose quorum by it). */
export async function leaveSwarm(docker: SwarmDocker, options: SignalOption & { force?: boolean | undefined } = {}): Promise<void> {
  await swarmCall(() =>
    asV141(docker).api.POST("/swarm/leave", { params: { query: { force: options.force } }, ...withSignal(options.signal) }),
  );
}

/** Inspects the swarm (managers only): its ID, spec, version and join tokens. */
export async function inspectSwarm(docker: SwarmDocker, options: SignalOption = {}): Promise<SwarmInspect> {
  return swarmCall(() => asV141(docker).api.GET("/swarm", withSignal(options.signal)));
}

/** The tokens that join a node as a worker or as a manager. */
export async function joinTokens(docker: SwarmDocker, options: SignalOption = {}): Promise<{ worker: string; manager: string }> {
  const swarm = await inspectSwarm(docker, options);
  return { worker: swarm.JoinTokens?.Worker ?? "", manager: swarm.JoinTokens?.Manager ?? "" };
}

/** Options of `updateSwarm`. */
export interface SwarmUpdateOptions extends SignalOption {
  rotateWorkerToken?: boolean | undefined;
  rotateManagerToken?: boolean | undefined;
  rotateManagerUnlockKey?: boolean | undefined;
}

/** Changes the swarm's spec (read, changed by `change`, sent back with its version), and rotates tokens if asked. */
export async function updateSwarm(
  docker: SwarmDocker,
  change: Partial<SwarmSpec> | ((current: SwarmSpec) => SwarmSpec | void),
  options: SwarmUpdateOptions = {},
): Promise<void> {
  const swarm = await inspectSwarm(docker, options);
  const current = structuredClone(swarm.Spec ?? {});
  const spec = typeof change === "function" ? (change(current) ?? current) : { ...current, ...change };
  await swarmCall(() =>
    asV141(docker).api.POST("/swarm/update", {
      params: {
        query: {
          version: swarm.Version?.Index ?? 0,
          rotateWorkerToken: options.rotateWorkerToken,
          rotateManagerToken: options.rotateManagerToken,
          rotateManagerUnlockKey: options.rotateManagerUnlockKey,
        },
      },
      body: spec,
      ...withSignal(options.signal),
    }),
  );
}

/** The key that unlocks a locked swarm's managers after a restart (`autolock`); empty when autolock is off. */
export async function swarmUnlockKey(docker: SwarmDocker, options: SignalOption = {}): Promise<string> {
  const answer = await swarmCall(() => asV141(docker).api.GET("/swarm/unlockkey", withSignal(options.signal)));
  return answer?.UnlockKey ?? "";
}
