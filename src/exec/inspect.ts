/**
 * Inspecting an exec instance, and waiting for its process to exit. The Go client's
 * `InspectExec`.
 */
import type { DockerApi } from "../api.js";
import { DockerAbortError } from "../errors.js";
import { execError } from "./errors.js";
import { asV141, withSignal, type ExecInspect, type ExecPaths, type SignalOption } from "./types.js";

/**
 * Inspects an exec instance: `Running`, `ExitCode` (`null` on the wire while it runs, though
 * the v1.41 document does not say so), `Pid`, `ProcessConfig`, `ContainerID`.
 * @throws `NoSuchExecError`.
 */
export async function inspectExec<Paths extends ExecPaths>(
  docker: DockerApi<Paths>,
  id: string,
  options: SignalOption = {},
): Promise<ExecInspect<Paths>> {
  try {
    const { data } = await asV141(docker).api.GET("/exec/{id}/json", { params: { path: { id } }, ...withSignal(options.signal) });
    return data as ExecInspect<Paths>;
  } catch (error) {
    throw execError(error, id);
  }
}

/** Polling bounds of `waitForExecExit`, in ms. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 250;

/**
 * Resolves with the exit code once the exec's process has exited. The daemon records the exit
 * code before it closes the exec's streams, so right after the output ended the first inspect
 * normally answers; the polling covers a process that closed its output and kept running.
 * @throws `NoSuchExecError`, `DockerAbortError`.
 */
export async function waitForExecExit(docker: DockerApi<any>, id: string, options: SignalOption = {}): Promise<number> {
  const { signal } = options;
  for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
    const state = (await inspectExec(docker, id, options)) as { Running?: boolean; ExitCode?: number | null };
    if (state.Running !== true && typeof state.ExitCode === "number") return state.ExitCode;
    await sleep(delay, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DockerAbortError({ cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DockerAbortError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
