/**
 * The error a build context raises while it is being archived.
 */
import { DockerError } from "../errors.js";

/**
 * A file or directory of the build context could not be read while streaming it (the CLI's
 * "error checking context"). The archive stream errors with it; the request carrying the
 * stream is aborted, so the daemon never sees a silently truncated context.
 */
export class BuildContextError extends DockerError {
  override name = "BuildContextError";
  override readonly code = "ERR_BUILD_CONTEXT";
  /** The path, relative to the context, that failed. */
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super(`build context: ${path}: ${reason}`, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}
