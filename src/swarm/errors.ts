/**
 * The Swarm failure modes of their own: a daemon that cannot serve cluster requests (not a
 * manager, not in a swarm, no leader), a service update that failed (and was rolled back or
 * paused), and a wait that ran out of time.
 */
import { DockerApiError, DockerError, type RequestSummary } from "../errors.js";

/** Why a daemon cannot serve a cluster request. */
export type SwarmUnavailableReason =
  /** The node is not part of a swarm (`swarm init` or `swarm join` first). */
  | "not-in-swarm"
  /** The node is a worker: cluster state is read and changed through managers only. */
  | "not-a-manager"
  /** The managers have lost quorum: no leader can be elected until more than half are back. */
  | "no-leader"
  /** The manager stopped answering (it went down or restarted) and did not come back in time. */
  | "unreachable";

/**
 * The daemon cannot serve Swarm requests right now. `reason` says why; for `no-leader` and
 * `unreachable` a retry later (or on another manager) may succeed.
 */
export class SwarmUnavailableError extends DockerError {
  override name = "SwarmUnavailableError";
  override readonly code = "ERR_SWARM_UNAVAILABLE";
  readonly reason: SwarmUnavailableReason;
  /** The HTTP status of the answer that said so, when there was one (503 mostly). */
  readonly status?: number;
  constructor(reason: SwarmUnavailableReason, message: string, options?: { cause?: unknown; request?: RequestSummary; status?: number }) {
    super(message, options);
    this.reason = reason;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** One task that failed during an update, as the failed-update error reports it. */
export interface FailedTask {
  taskId: string;
  nodeId?: string | undefined;
  /** The task's state when it was seen last: `failed`, `rejected`, `shutdown`, ... */
  state: string;
  /** The task's error (`Status.Err`) or message. */
  error: string;
}

/**
 * A service update (or a service's first convergence) failed: its tasks did not run with the
 * new spec. `rolledBack` says whether the swarm went back to the previous spec (the
 * `FailureAction: rollback` of the update config), `updateState` is the service's
 * `UpdateStatus.State` at the end (`paused`, `rollback_completed`, `rollback_paused`, ...).
 */
export class ServiceUpdateFailedError extends DockerError {
  override name = "ServiceUpdateFailedError";
  override readonly code = "ERR_SERVICE_UPDATE_FAILED";
  readonly serviceId: string;
  readonly updateState: string;
  /** The swarm's own explanation (`UpdateStatus.Message`). */
  readonly updateMessage: string;
  readonly rolledBack: boolean;
  readonly failedTasks: readonly FailedTask[];
  constructor(serviceId: string, updateState: string, updateMessage: string, failedTasks: readonly FailedTask[]) {
    const rolledBack = updateState === "rollback_completed";
    const detail = failedTasks.length ? `; task ${failedTasks[0]!.taskId}: ${failedTasks[0]!.error}` : "";
    super(
      `update of service ${serviceId} failed (${updateState}${rolledBack ? ", rolled back to the previous spec" : ""}): ${updateMessage || "no message"}${detail}`,
    );
    this.serviceId = serviceId;
    this.updateState = updateState;
    this.updateMessage = updateMessage;
    this.rolledBack = rolledBack;
    this.failedTasks = failedTasks;
  }
}

/** A swarm wait (convergence, drain) did not finish within its `timeoutMs`. */
export class SwarmWaitTimeoutError extends DockerError {
  override name = "SwarmWaitTimeoutError";
  override readonly code = "ERR_SWARM_WAIT_TIMEOUT";
  /** What was waited for, e.g. `service web to converge`. */
  readonly waitingFor: string;
  readonly timeoutMs: number;
  constructor(waitingFor: string, timeoutMs: number, lastState: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitingFor} (last seen: ${lastState})`);
    this.waitingFor = waitingFor;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Turns the daemon's "cannot serve cluster requests" answers into `SwarmUnavailableError`;
 * other errors pass unchanged. dockerd answers 503 for all three cases and says which in the
 * message (moby `daemon/cluster/errors.go`); the no-leader text also comes from swarmkit's
 * raft layer inside a 500 when the quorum is lost during a request.
 */
export function swarmError(error: unknown): unknown {
  if (!(error instanceof DockerApiError) || error instanceof SwarmUnavailableError) return error;
  const text = error.daemonMessage;
  const options = { cause: error, status: error.status, ...(error.request ? { request: error.request } : {}) };
  if (/does not have a leader|too few managers are online|no leader/i.test(text)) {
    return new SwarmUnavailableError("no-leader", `the swarm has no leader (quorum lost): ${text}`, options);
  }
  if (error.status === 503 && /not a swarm manager/i.test(text)) {
    const reason = /swarm init|swarm join|not part of a swarm/i.test(text) ? "not-in-swarm" : "not-a-manager";
    return new SwarmUnavailableError(reason, text, options);
  }
  if (error.status === 503 && /not part of a swarm/i.test(text)) return new SwarmUnavailableError("not-in-swarm", text, options);
  return error;
}
