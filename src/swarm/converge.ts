/**
 * Waiting for a service to converge: every replica's task running with the current spec, as
 * `docker service create` and `docker service update` wait by default. The wait polls the
 * service and its tasks (Docker has no push for task state on API 1.41's event stream
 * that covers every transition), reports progress per replica, and ends typed: converged,
 * `ServiceUpdateFailedError` (the update was paused or rolled back), `SwarmWaitTimeoutError`,
 * `SwarmUnavailableError` (the manager stayed unreachable) or `DockerAbortError`.
 */
import { DockerAbortError, DockerApiError, DockerConnectionError, isDockerError } from "../errors.js";
import { pause, swarmCall } from "./call.js";
import { ServiceUpdateFailedError, SwarmUnavailableError, SwarmWaitTimeoutError, type FailedTask } from "./errors.js";
import { asV141, withSignal, type Service, type SignalOption, type SwarmDocker, type Task } from "./types.js";

/** One replica (one slot of a replicated service, one node of a global one) as seen at a poll. */
export interface ReplicaProgress {
  /** The replica's slot (replicated services) or undefined (global services: one per node). */
  slot?: number | undefined;
  taskId: string;
  nodeId?: string | undefined;
  /** The task's current state: `new`, `pending`, `assigned`, `preparing`, `starting`, `running`, `failed`, ... */
  state: string;
  desiredState: string;
  /** The swarm's message for the state (`preparing`, `started`, ...). */
  message: string;
  /** The task's error, if it failed or was rejected (`No such image`, `task: non-zero exit (1)`). */
  error?: string | undefined;
}

/** A snapshot of a service's convergence. */
export interface ConvergenceProgress {
  serviceId: string;
  serviceName: string;
  mode: "replicated" | "global";
  /** Replicas wanted (replicated: `Replicas`; global: tasks the swarm wants running). */
  desired: number;
  /** Replicas running with the desired state `running`. */
  running: number;
  /** `UpdateStatus.State` of the update being waited for (`updating`, `completed`, `rollback_started`, ...). */
  updateState?: string | undefined;
  updateMessage?: string | undefined;
  /** The tasks the swarm wants running, by slot (or node). */
  replicas: ReplicaProgress[];
  /** True on the last snapshot: every desired replica runs. */
  converged: boolean;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
}

/** Options of the convergence wait. */
export interface ConvergenceOptions extends SignalOption {
  /** Give up after this many ms (`SwarmWaitTimeoutError`). Default 300 000; 0 = never. */
  timeoutMs?: number | undefined;
  /** Milliseconds between polls. Default 200. */
  pollMs?: number | undefined;
  /**
   * How long the manager may be unreachable (connection refused, no leader, 5xx) before the
   * wait fails with `SwarmUnavailableError`; a manager that comes back sooner lets the wait
   * resume where it was. Default 30 000.
   */
  unreachableMs?: number | undefined;
  /** Called with each snapshot that differs from the one before. */
  onProgress?: ((progress: ConvergenceProgress) => void) | undefined;
  /**
   * Wait for an update of the task spec too: converged only once an `UpdateStatus` that
   * started after this time (the service's `UpdatedAt` before the update, as the daemon wrote
   * it) has completed. `updateService` sets it when the task template changed.
   */
  updateSince?: string | undefined;
  /** The update waited for is a rollback: `rollback_completed` is success, not failure. */
  rollback?: boolean | undefined;
  /**
   * Converged only once every replica has kept running this many ms (polls go on meanwhile;
   * a replica that drops starts the window over), so a task that crashes right after it
   * started is not taken for a converged service. The docker CLI's own window is the update
   * config's `Monitor` (5 s by default). Default 1000; 0 = the first poll that sees them all.
   */
  stableMs?: number | undefined;
}

const FAILED_STATES = new Set(["failed", "rejected", "orphaned", "remove"]);
const FAILURE_UPDATE_STATES = new Set(["paused", "rollback_paused", "rollback_completed"]);

/**
 * Snapshots of a service's convergence, one per change, ending with the converged one (also
 * the generator's return value).
 * @example
 * for await (const p of convergenceProgress(docker, "web")) console.log(`${p.running}/${p.desired}`);
 * @throws `ServiceUpdateFailedError`, `SwarmWaitTimeoutError`, `SwarmUnavailableError`, `DockerAbortError`.
 */
export async function* convergenceProgress(
  docker: SwarmDocker,
  service: string,
  options: ConvergenceOptions = {},
): AsyncGenerator<ConvergenceProgress, ConvergenceProgress> {
  const { signal } = options;
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pollMs = options.pollMs ?? 200;
  const unreachableMs = options.unreachableMs ?? 30_000;
  const stableMs = options.stableMs ?? 1000;
  let unreachableSince: number | undefined;
  let lastError: unknown;
  let last: ConvergenceProgress | undefined;
  let lastKey = "";
  let convergedAt: number | undefined;
  for (;;) {
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const now = Date.now();
    if (timeoutMs > 0 && now - started > timeoutMs) {
      throw new SwarmWaitTimeoutError(
        `service ${service} to converge`,
        timeoutMs,
        last ? describeProgress(last) : describeError(lastError),
      );
    }
    let snapshot: { service: Service; tasks: Task[] } | undefined;
    try {
      snapshot = await readService(docker, service, signal);
      unreachableSince = undefined;
    } catch (error) {
      if (!isTransient(error)) throw error;
      lastError = error;
      unreachableSince ??= now;
      if (now - unreachableSince > unreachableMs) throw unreachable(service, unreachableMs, error);
    }
    if (snapshot) {
      const progress = progressOf(snapshot.service, snapshot.tasks, options, now - started);
      const key = progressKey(progress);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.(progress);
        yield progress;
      }
      last = progress;
      if (
        progress.updateState &&
        FAILURE_UPDATE_STATES.has(progress.updateState) &&
        !(options.rollback && progress.updateState === "rollback_completed")
      ) {
        throw updateFailed(snapshot.service, snapshot.tasks, progress);
      }
      if (progress.converged) {
        convergedAt ??= now;
        if (now - convergedAt >= stableMs) return progress;
      } else {
        convergedAt = undefined;
      }
    }
    await pause(pollMs, signal);
  }
}

/**
 * Waits until the service has converged; resolves with the last snapshot.
 * @throws `ServiceUpdateFailedError`, `SwarmWaitTimeoutError`, `SwarmUnavailableError`, `DockerAbortError`.
 */
export async function waitForConvergence(
  docker: SwarmDocker,
  service: string,
  options: ConvergenceOptions = {},
): Promise<ConvergenceProgress> {
  const progress = convergenceProgress(docker, service, options);
  for (;;) {
    const step = await progress.next();
    if (step.done) return step.value;
  }
}

async function readService(docker: SwarmDocker, id: string, signal: AbortSignal | undefined): Promise<{ service: Service; tasks: Task[] }> {
  const api = asV141(docker).api;
  const service = await swarmCall(() => api.GET("/services/{id}", { params: { path: { id } }, ...withSignal(signal) }));
  const tasks = await swarmCall(() =>
    api.GET("/tasks", { params: { query: { filters: JSON.stringify({ service: [service.ID ?? id] }) } }, ...withSignal(signal) }),
  );
  return { service, tasks: tasks ?? [] };
}

/** The snapshot of one poll. Exported for the unit tests. */
export function progressOf(service: Service, tasks: Task[], options: ConvergenceOptions, elapsedMs: number): ConvergenceProgress {
  const spec = service.Spec ?? {};
  const global = spec.Mode?.Global !== undefined;
  // Tasks the swarm wants running; several per slot while an update replaces one: keep the newest.
  const wanted = new Map<string, Task>();
  for (const task of tasks) {
    if (task.DesiredState !== "running") continue;
    const key = global ? `node:${task.NodeID ?? ""}` : `slot:${task.Slot ?? task.ID}`;
    const seen = wanted.get(key);
    if (!seen || timeKey(task.CreatedAt) > timeKey(seen.CreatedAt)) wanted.set(key, task);
  }
  const replicas = [...wanted.values()]
    .map(replicaOf)
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (a.nodeId ?? "").localeCompare(b.nodeId ?? ""));
  const desired = global ? replicas.length : (spec.Mode?.Replicated?.Replicas ?? 1);
  const running = replicas.filter((r) => r.state === "running").length;
  const status = service.UpdateStatus as { State?: string; Message?: string; StartedAt?: string } | undefined;
  // An UpdateStatus older than the update waited for belongs to an earlier update.
  const current =
    status && options.updateSince !== undefined && timeKey(status.StartedAt) > timeKey(options.updateSince) ? status : undefined;
  const updateDone =
    options.updateSince === undefined ||
    (current !== undefined && (current.State === "completed" || (options.rollback === true && current.State === "rollback_completed")));
  return {
    serviceId: service.ID ?? "",
    serviceName: spec.Name ?? "",
    mode: global ? "global" : "replicated",
    desired,
    running,
    updateState: current?.State,
    updateMessage: current?.Message,
    replicas,
    converged: updateDone && running === desired && replicas.length === desired && (!global || desired > 0),
    elapsedMs,
  };
}

/**
 * A daemon timestamp as a string that sorts by time: Go writes RFC 3339 with the trailing
 * zeros of the fraction dropped (`.0165Z` beside `.016577359Z`), so the fraction is padded to 9 digits.
 */
export function timeKey(time: string | undefined): string {
  if (!time) return "";
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0").slice(0, 9)}${m[3] === "Z" ? "" : m[3]}`;
}

function replicaOf(task: Task): ReplicaProgress {
  const status = task.Status ?? {};
  return {
    slot: task.Slot,
    taskId: task.ID ?? "",
    nodeId: task.NodeID || undefined,
    state: status.State ?? "new",
    desiredState: task.DesiredState ?? "",
    message: status.Message ?? "",
    error: status.Err || undefined,
  };
}

function progressKey(p: ConvergenceProgress): string {
  return `${p.updateState}|${p.desired}|${p.replicas.map((r) => `${r.slot}:${r.taskId}:${r.state}:${r.error ?? ""}`).join(",")}`;
}

/** `3/6 running (update updating)`, for error messages and the CLI. */
export function describeProgress(p: ConvergenceProgress): string {
  const failing = p.replicas.find((r) => r.error);
  return `${p.running}/${p.desired} running${p.updateState ? ` (update ${p.updateState})` : ""}${failing ? `; task ${failing.taskId}: ${failing.error}` : ""}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : "nothing yet";
}

function updateFailed(service: Service, tasks: Task[], progress: ConvergenceProgress): ServiceUpdateFailedError {
  const failed: FailedTask[] = tasks
    .filter((t) => FAILED_STATES.has(t.Status?.State ?? "") || (t.Status?.Err ?? "") !== "")
    .sort((a, b) => (b.UpdatedAt ?? "").localeCompare(a.UpdatedAt ?? ""))
    .map((t) => ({
      taskId: t.ID ?? "",
      nodeId: t.NodeID || undefined,
      state: t.Status?.State ?? "",
      error: t.Status?.Err || t.Status?.Message || "",
    }));
  return new ServiceUpdateFailedError(service.ID ?? progress.serviceName, progress.updateState ?? "", progress.updateMessage ?? "", failed);
}

/** Failures a restarting or re-electing manager produces; anything else ends the wait. */
function isTransient(error: unknown): boolean {
  if (error instanceof DockerAbortError) return false;
  if (error instanceof DockerConnectionError) return true;
  if (error instanceof SwarmUnavailableError) return error.reason === "no-leader";
  if (error instanceof DockerApiError) return error.status >= 500;
  // a connection cut mid-answer surfaces as a protocol or stream error from the transport
  return isDockerError(error) && (error.code === "ERR_PROTOCOL" || error.code === "ERR_TIMEOUT");
}

function unreachable(service: string, unreachableMs: number, error: unknown): SwarmUnavailableError {
  if (error instanceof SwarmUnavailableError) return error;
  return new SwarmUnavailableError(
    "unreachable",
    `the manager did not answer for ${unreachableMs} ms while waiting for service ${service} to converge: ${describeError(error)}`,
    { cause: error },
  );
}
