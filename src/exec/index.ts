/**
 * Exec: run commands in running containers, through a client of any API version with exec.
 */
export { collectOutput } from "./collect-output.js";
export type { CollectedOutput } from "./collect-output.js";
export { NoSuchExecError, isNoSuchExecError } from "./errors.js";
export { createExec, inspectExec, resizeExec, runExec, startExec, startExecDetached, waitForExecExit } from "./exec.js";
export type { ExecResult, RunExecOptions, StartExecOptions } from "./exec.js";
export { ExecSession } from "./session.js";
export type { ExecConfig, ExecInspect, ExecPaths, SignalOption } from "./types.js";
