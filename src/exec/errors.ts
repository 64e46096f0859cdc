/**
 * The exec failure mode of its own: an exec id the daemon does not know (the Go client's
 * `NoSuchExec`). Other exec failures keep their generic classes: a 404 on the container path
 * is already `NoSuchContainerError`, a stopped or paused container a `DockerApiError` 409.
 */
import { DockerApiError, escapeControlCharacters, isDockerError, type RequestSummary } from "../errors.js";

/** 404 for an exec instance. The Go client's `NoSuchExec`. */
export class NoSuchExecError extends DockerApiError {
  override name = "NoSuchExecError";
  override readonly code = "ERR_NO_SUCH_EXEC";
  /** The exec id that was not found. */
  readonly id: string;
  constructor(id: string, daemonMessage = `No such exec instance: ${id}`, options?: { cause?: unknown; request?: RequestSummary }) {
    super(404, daemonMessage, options);
    this.id = id;
    this.message = escapeControlCharacters(`No such exec instance: ${id}`);
  }
}

/** True for a `NoSuchExecError`, even one thrown by another copy of berth. */
export function isNoSuchExecError(value: unknown): value is NoSuchExecError {
  return isDockerError(value) && value.name === "NoSuchExecError";
}

/** Turns the generic 404 of an `/exec/{id}/...` request into `NoSuchExecError`; other errors pass. */
export function execError(error: unknown, id: string): unknown {
  if (error instanceof DockerApiError && error.status === 404 && !(error instanceof NoSuchExecError)) {
    return new NoSuchExecError(id, error.daemonMessage, { cause: error, ...(error.request ? { request: error.request } : {}) });
  }
  return error;
}
