/**
 * The one way the swarm functions make a request: typed against v1.41, errors mapped by
 * `swarmError`, and an abortable pause for the polling waits.
 */
import { DockerAbortError } from "../errors.js";
import { swarmError } from "./errors.js";

/** Runs one typed call and returns its `data`; the daemon's cluster errors become `SwarmUnavailableError`. */
export async function swarmCall<T>(request: () => Promise<{ data?: T }>): Promise<T> {
  try {
    const { data } = await request();
    return data as T;
  } catch (error) {
    throw swarmError(error);
  }
}

/** Waits `ms`, or rejects with `DockerAbortError` when `signal` fires first. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
