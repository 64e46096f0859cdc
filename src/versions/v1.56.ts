/**
 * The generic client for Docker Engine API 1.56, the newest upstream document berth ships
 * generated (`generated/v1.56/`, from vendor/moby-api/v1.56.yaml with berth's overlay). On an
 * older daemon the version is negotiated down (see src/version.ts); operations and fields the
 * daemon's version lacks are the caller's to avoid.
 *
 * @module berth-docker/v1.56
 */
import { definition } from "../../generated/v1.56/methods.js";
import { createDocker, type DockerOptions } from "../generic/client.js";
import type { Docker } from "../generic/types.js";

/** The generated v1.56 types. */
export type { components, operations, paths } from "../../generated/v1.56/index.js";
export { definition as definitionV156 } from "../../generated/v1.56/methods.js";

/** The API version the v1.56 types describe. */
export const API_VERSION_V156 = "1.56";

/** The generic client typed for API 1.56. */
export type DockerV156 = Docker<typeof definition>;

/**
 * Creates the generic client for API 1.56.
 * @example
 * await using docker = createDockerV156({ host: process.env.DOCKER_HOST });
 * const volumes = await docker.volumes.list();
 */
export function createDockerV156(options: DockerOptions = {}): DockerV156 {
  return createDocker(definition, options);
}
