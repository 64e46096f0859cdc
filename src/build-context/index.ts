/**
 * Build contexts from directories: `.dockerignore` rules and the streamed tar archive.
 */
export { openBuildContext, tarDirectory } from "./tar-directory.js";
export type { BuildContextArchive, TarDirectoryOptions } from "./tar-directory.js";
export { DockerignoreMatcher, parseDockerignore } from "./dockerignore.js";
export { BuildContextError } from "./errors.js";
