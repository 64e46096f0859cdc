/**
 * The Go client's errors that `src/errors.ts` does not already cover, as members of the
 * `DockerError` hierarchy. How the Go names map:
 *
 * | Go                       | berth                                                        |
 * |--------------------------|--------------------------------------------------------------|
 * | `*docker.Error`          | `DockerApiError` (`status`, `daemonMessage`)                 |
 * | `NoSuchContainer`        | `NoSuchContainerError` (`id`)                                |
 * | `ErrNoSuchImage`         | `NoSuchImageError` (`image`)                                 |
 * | `ErrMissingRepo`         | `MissingRepoError`                                           |
 * | `ErrMissingOutputStream` | `MissingOutputStreamError` (below; rarely applies, see there) |
 * | `ErrInvalidEndpoint`     | `InvalidEndpointError`                                       |
 * | `ErrConnectionRefused`   | `ConnectionRefusedError`                                     |
 *
 * The option errors below refine `InvalidOptionError` and keep its code, `ERR_INVALID_OPTION`
 * (`MissingOutputStreamError` keeps the Go error's own code): a caller who only cares that an
 * option was refused checks the code; one who wants the detail checks the class or `name`.
 */
import type { ValidationIssue } from "../../generated/v1.10/index.js";
import {
  DockerApiError,
  DockerProtocolError,
  InvalidOptionError,
  describeValue,
  type DockerErrorCode,
  type RequestSummary,
} from "../errors.js";

/** An id or name that must name a Docker object was empty or unusable. Thrown before any request. */
export class MissingIdError extends InvalidOptionError {
  override name = "MissingIdError";
  constructor(option: string) {
    super(option, "must be a non-empty id or name");
  }
}

/** A signal that is neither a Linux signal name (`SIGTERM`, `TERM`) nor a signal number 1–64. */
export class InvalidSignalError extends InvalidOptionError {
  override name = "InvalidSignalError";
  /** The value that was refused. */
  readonly signal: unknown;
  constructor(signal: unknown) {
    super("signal", `${describeValue(signal)} is not a Linux signal name or number (1-64)`);
    this.signal = signal;
  }
}

/** A port spec that is not `<port>[/<protocol>]` with a port 1–65535 (or a host port that is not a number). */
export class InvalidPortSpecError extends InvalidOptionError {
  override name = "InvalidPortSpecError";
  /** The value that was refused. */
  readonly spec: string;
  constructor(option: string, spec: string, reason = 'expected "<port>/<protocol>", e.g. "80/tcp", with a port from 1 to 65535') {
    super(option, `${JSON.stringify(spec)}: ${reason}`);
    this.spec = spec;
  }
}

/**
 * `startContainer` was given a host configuration, the API version in use refuses one at
 * start (from 1.24), and the daemon accepts no older version through which berth could still
 * apply it (Docker 25+ accepts nothing below 1.24). Pass the host configuration to
 * `createContainer` instead. See docs/api-versions.md.
 */
export class HostConfigAtStartUnsupportedError extends InvalidOptionError {
  override name = "HostConfigAtStartUnsupportedError";
  constructor(apiVersion: string, daemonMinVersion: string | undefined) {
    super(
      "hostConfig",
      `API ${apiVersion} refuses a host configuration at start and the daemon accepts no API version below 1.24 ` +
        `(its minimum is ${daemonMinVersion ?? "unknown"}); pass hostConfig to createContainer instead`,
    );
  }
}

/**
 * The Go client's `ErrMissingOutputStream`: an operation had nowhere to write its output.
 *
 * In Go, export, copy, build, pull, push and import all wrote into a caller-provided
 * `io.Writer`, and a nil writer was an error. berth returns those outputs instead (a byte
 * stream, or an iterable of progress messages you may simply not read), so the idea survives in
 * one place only: `pipeTo(destination)` of a byte-stream operation called without a usable
 * destination (from plain JavaScript, where types do not stop it).
 */
export class MissingOutputStreamError extends InvalidOptionError {
  override name = "MissingOutputStreamError";
  override readonly code: DockerErrorCode = "ERR_MISSING_OUTPUT_STREAM";
  constructor() {
    super("destination", "a WritableStream or a Node Writable is required");
  }
}

/**
 * A response body that does not have the shape the API describes (a field of the wrong type,
 * a list that is not a list). Unknown extra fields never cause it. `issues` come from the
 * validators generated from the API document (`path`, `code` and `message`, worded as zod's).
 */
export class InvalidResponseError extends DockerProtocolError {
  override name = "InvalidResponseError";
  /** What was being read, e.g. `"container inspect"`. */
  readonly what: string;
  /** Where and why the body failed validation. */
  readonly issues: readonly ValidationIssue[];
  constructor(what: string, issues: readonly ValidationIssue[], options?: { request?: RequestSummary | undefined }) {
    const first = issues[0];
    const where = first ? `${first.path.length > 0 ? first.path.join(".") : "(root)"}: ${first.message}` : "unexpected shape";
    super(
      `the daemon's ${what} answer does not match the API: ${where}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`,
      options?.request ? { request: options.request } : undefined,
    );
    this.what = what;
    this.issues = issues;
  }
}

/** A 404 for a path inside a container that exists (`copyFromContainer` of a missing file). */
export class NoSuchPathError extends DockerApiError {
  override name = "NoSuchPathError";
  /** The container. */
  readonly id: string;
  /** The path that does not exist in it. */
  readonly path: string;
  constructor(id: string, path: string, daemonMessage: string, options?: { cause?: unknown; request?: RequestSummary }) {
    super(404, daemonMessage, options);
    this.id = id;
    this.path = path;
    this.message = `No such path in container ${id}: ${path}`;
  }
}
