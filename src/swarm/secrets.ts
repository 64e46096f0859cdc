/**
 * Secrets and configs: create (the data base64-encoded for the wire), inspect, list, remove,
 * and the references that mount them into a service's tasks.
 */
import { encodeFilters, type DockerFilters } from "../versions/filters.js";
import { swarmCall } from "./call.js";
import {
  asV141,
  withSignal,
  type Config,
  type ConfigReference,
  type Secret,
  type SecretReference,
  type SignalOption,
  type SwarmDocker,
} from "./types.js";

/** What a secret or config is made of. */
export interface SwarmDataSpec {
  name: string;
  /** The content; text is encoded as UTF-8. */
  data: string | Uint8Array;
  labels?: Record<string, string> | undefined;
}

/** Where a mounted secret or config appears in the task's container. */
export interface MountOptions {
  /** File name under `/run/secrets/` (secrets) or an absolute path (configs). Default: the name. */
  target?: string | undefined;
  uid?: string | undefined;
  gid?: string | undefined;
  /** File mode. Default 0o444. */
  mode?: number | undefined;
}

/** Creates a secret. @returns its ID. */
export async function createSecret(docker: SwarmDocker, spec: SwarmDataSpec, options: SignalOption = {}): Promise<string> {
  const answer = await swarmCall(() =>
    asV141(docker).api.POST("/secrets/create", {
      body: { Name: spec.name, Data: toBase64(spec.data), ...(spec.labels ? { Labels: spec.labels } : {}) },
      ...withSignal(options.signal),
    }),
  );
  return idOf(answer);
}

/** Inspects a secret (its data is never returned). */
export async function inspectSecret(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<Secret> {
  return swarmCall(() => asV141(docker).api.GET("/secrets/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/** Lists secrets (`filters`: `id`, `label`, `name`, `names`). */
export async function listSecrets(
  docker: SwarmDocker,
  options: SignalOption & { filters?: DockerFilters | undefined } = {},
): Promise<Secret[]> {
  const query = { filters: options.filters ? encodeFilters(options.filters) : undefined };
  return (await swarmCall(() => asV141(docker).api.GET("/secrets", { params: { query }, ...withSignal(options.signal) }))) ?? [];
}

/** Removes a secret. A secret in use by a service cannot be removed (`DockerApiError` 400). */
export async function removeSecret(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<void> {
  await swarmCall(() => asV141(docker).api.DELETE("/secrets/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/** Creates a config. @returns its ID. */
export async function createConfig(docker: SwarmDocker, spec: SwarmDataSpec, options: SignalOption = {}): Promise<string> {
  const answer = await swarmCall(() =>
    asV141(docker).api.POST("/configs/create", {
      body: { Name: spec.name, Data: toBase64(spec.data), ...(spec.labels ? { Labels: spec.labels } : {}) },
      ...withSignal(options.signal),
    }),
  );
  return idOf(answer);
}

/** Inspects a config; `Spec.Data` holds its content, base64-encoded (see `configData`). */
export async function inspectConfig(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<Config> {
  return swarmCall(() => asV141(docker).api.GET("/configs/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/** Lists configs (`filters`: `id`, `label`, `name`, `names`). */
export async function listConfigs(
  docker: SwarmDocker,
  options: SignalOption & { filters?: DockerFilters | undefined } = {},
): Promise<Config[]> {
  const query = { filters: options.filters ? encodeFilters(options.filters) : undefined };
  return (await swarmCall(() => asV141(docker).api.GET("/configs", { params: { query }, ...withSignal(options.signal) }))) ?? [];
}

/** Removes a config. */
export async function removeConfig(docker: SwarmDocker, id: string, options: SignalOption = {}): Promise<void> {
  await swarmCall(() => asV141(docker).api.DELETE("/configs/{id}", { params: { path: { id } }, ...withSignal(options.signal) }));
}

/** A config's content as bytes. */
export function configData(config: Config): Uint8Array {
  const text = atob(config.Spec?.Data ?? "");
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The reference that mounts a secret into a service's tasks, for `ContainerSpec.Secrets`:
 * the file `/run/secrets/<target>` inside each task's container.
 */
export function secretReference(secret: { id: string; name: string }, options: MountOptions = {}): SecretReference {
  return { SecretID: secret.id, SecretName: secret.name, File: fileOf(options.target ?? secret.name, options) };
}

/** The reference that mounts a config into a service's tasks, for `ContainerSpec.Configs`. */
export function configReference(config: { id: string; name: string }, options: MountOptions = {}): ConfigReference {
  return { ConfigID: config.id, ConfigName: config.name, File: fileOf(options.target ?? `/${config.name}`, options) };
}

function fileOf(name: string, options: MountOptions) {
  return { Name: name, UID: options.uid ?? "0", GID: options.gid ?? "0", Mode: options.mode ?? 0o444 };
}

/**
 * The ID in a create answer. The v1.41 document declares `Id` (its `IdResponse`); dockerd 20.10
 * sends `ID` (moby `types.SecretCreateResponse`/`ConfigCreateResponse`): the daemon wins, both are read.
 */
function idOf(answer: { Id?: string; ID?: string }): string {
  return answer.ID ?? answer.Id ?? "";
}

function toBase64(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
