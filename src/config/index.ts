/**
 * The docker CLI's configuration: daemon selection with contexts (`fromEnv`), registry
 * credentials (`createCredentialStore`) and registry names (`registryOf`).
 */
export { fromEnv } from "./from-env.js";
export { NoDockerSocketError, discoverDockerSocket, findDockerSocket, socketCandidates } from "./discovery.js";
export type { DiscoveryOptions, SocketCandidate, SocketDiscovery } from "./discovery.js";
export type { ConnectionSource, FromEnvOptions, ResolvedConnection } from "./from-env.js";
export { readConfigFile, resolveConfigDir } from "./config-file.js";
export type { DockerConfigFile, StoredAuth } from "./config-file.js";
export { DEFAULT_CONTEXT_NAME, contextId, loadContextEndpoint } from "./contexts.js";
export type { DockerContextEndpoint } from "./contexts.js";
export { createCredentialStore } from "./credentials.js";
export type { CredentialStore, CredentialStoreOptions, RegistryAuth } from "./credentials.js";
export { spawnCredentialHelper } from "./credential-helper.js";
export type { HelperInvocation, HelperOutput, RunCredentialHelper } from "./credential-helper.js";
export { DOCKER_HUB_AUTH_KEY, convertToHostname, credentialKeyOf, isDockerHub, registryOf } from "./registry.js";
export { CredentialHelperError, DockerConfigError, DockerContextNotFoundError } from "./errors.js";
