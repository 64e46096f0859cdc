/**
 * Errors of the docker CLI configuration layer: contexts, config.json, credential helpers.
 *
 * None of them ever carries a secret: messages name files, registries and helpers, never
 * the contents of config.json or what a helper printed when that looks like credentials.
 */
import { DockerError, InvalidEndpointError } from "../errors.js";

/**
 * `DOCKER_CONTEXT` or config.json's `currentContext` names a context that is not in the
 * context store. The docker CLI fails too (its context store: `load context "x": context does not
 * exist`); it never falls back to another endpoint.
 */
export class DockerContextNotFoundError extends InvalidEndpointError {
  override name = "DockerContextNotFoundError";
  override readonly code = "ERR_CONTEXT_NOT_FOUND";
  /** The context name that was asked for. */
  readonly context: string;
  /** Where the name came from. */
  readonly source: "DOCKER_CONTEXT" | "config.json currentContext";
  /** The meta.json path that was looked for. */
  readonly metaPath: string;
  constructor(context: string, source: "DOCKER_CONTEXT" | "config.json currentContext", metaPath: string) {
    super(`context ${context}`, "context not found");
    this.message = `docker context ${JSON.stringify(context)} (from ${source}) not found: ${metaPath} does not exist`;
    this.context = context;
    this.source = source;
    this.metaPath = metaPath;
  }
}

/** config.json, a context's meta.json or `DOCKER_AUTH_CONFIG` cannot be used. */
export class DockerConfigError extends DockerError {
  override name = "DockerConfigError";
  override readonly code = "ERR_CONFIG";
  /** The file (or variable) at fault. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

/** A `docker-credential-<helper>` program could not be run or answered something unusable. */
export class CredentialHelperError extends DockerError {
  override name = "CredentialHelperError";
  override readonly code = "ERR_CREDENTIAL_HELPER";
  /** The program, e.g. `docker-credential-desktop`. */
  readonly helper: string;
  /** The helper action that failed: `get` (one registry) or `list` (all of them). */
  readonly action: "get" | "list";
  /** The registry the credentials were asked for (`get` only). */
  readonly registry?: string;
  /** Exit code, when the program ran and failed. */
  readonly exitCode?: number;
  constructor(helper: string, action: "get" | "list", registry: string | undefined, reason: string, exitCode?: number) {
    super(`${helper} ${action}${registry === undefined ? "" : ` ${registry}`}: ${reason}`);
    this.helper = helper;
    this.action = action;
    if (registry !== undefined) this.registry = registry;
    if (exitCode !== undefined) this.exitCode = exitCode;
  }
}
