/**
 * `createDocker(definition, options)`: the generic client of one API version. `definition` is
 * what `berth generate` writes into `generated/v<X.Y>/methods.ts`; every entry of its method
 * table becomes one method, built here by the same code for every version (the behaviour per
 * kind is in ./kinds.ts). One low-level client (`core`) carries all of them: one connection
 * pool, one version negotiation, one error model, and the raw typed calls beside the methods.
 */
import { createDockerApi, type ConnectionOptions, type DockerApi } from "../api.js";
import { closeEventMonitor } from "../events/index.js";
import { bindExtra, bindMethod } from "./kinds.js";
import type { Docker, MethodEntry, DefinitionPaths, VersionDefinition } from "./types.js";

/** Options of `createDocker`: the connection, or a low-level client to share. */
export interface DockerOptions extends ConnectionOptions {
  /**
   * Build on this low-level client instead of opening one: its connection pool, negotiated
   * version and lifetime are shared (closing either closes both). The connection options are
   * then ignored.
   */
  core?: DockerApi<any> | undefined;
}

/**
 * Creates the generic client of `definition`'s API version.
 * @example
 * import { createDocker } from "berth-docker";
 * import { definition } from "./generated/v1.44/methods.js";
 * await using docker = createDocker(definition, { host: process.env.DOCKER_HOST });
 * const containers = await docker.containers.list({ all: true, filters: { status: ["running"] } });
 */
export function createDocker<D extends VersionDefinition>(definition: D, options: DockerOptions = {}): Docker<D> {
  const { core: given, ...connection } = options;
  const core: DockerApi<DefinitionPaths<D> & {}> =
    given ?? createDockerApi<DefinitionPaths<D> & {}>({ ...connection, preferredVersion: definition.apiVersion });
  const close = async () => {
    await closeEventMonitor(core);
    await core.close();
  };
  const client: Record<string | symbol, unknown> = {
    typedVersion: definition.apiVersion,
    core,
    apiVersion: (signal?: AbortSignal) => core.apiVersion(signal),
    close,
    [Symbol.asyncDispose]: close,
  };
  for (const [group, entries] of Object.entries(definition.methods)) {
    const methods: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(entries) as [string, MethodEntry][]) {
      methods[name] = bindMethod(core, entry, definition.validators);
      for (const extra of entry.extra ?? []) methods[extra] = bindExtra(core, entry, extra, definition.validators);
    }
    client[group] = Object.freeze(methods);
  }
  return Object.freeze(client) as unknown as Docker<D>;
}
