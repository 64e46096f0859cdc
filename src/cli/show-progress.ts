/**
 * Runs a `ProgressOperation` (pull, push, build) to its end while showing its progress.
 */
import type { OutputStream } from "./context.js";
import { createProgressView } from "./progress-view.js";
import { ProgressState, type ProgressOperation } from "../index.js";

/**
 * Reads every message of `operation`, folds it into a snapshot and hands both to the view for
 * `output` (bars on a terminal, plain lines elsewhere); resolves with the operation's result.
 * @throws whatever the operation throws (`DockerStreamError` for a failure the daemon reported).
 */
export async function showProgress<Result>(operation: ProgressOperation<Result>, output: OutputStream): Promise<Result> {
  const view = createProgressView({ write: (text) => output.write(text) }, { tty: output.isTTY === true, columns: output.columns });
  const state = new ProgressState();
  try {
    for await (const message of operation) {
      state.apply(message);
      view.update(message, state.snapshot(false));
    }
  } finally {
    view.finish(state.snapshot(false));
  }
  return await operation;
}
