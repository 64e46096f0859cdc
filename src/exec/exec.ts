/**
 * Exec: run a command in a running container. Create the exec instance, start it (the
 * connection is hijacked like attach, so stdin, stdout and stderr share the socket), inspect
 * it for the exit code, resize its TTY; or all of it at once with `runExec`. The Go client's
 * `CreateExec`, `StartExec`, `InspectExec` and `ResizeExecTTY`.
 *
 * The functions take a client of any generated API version that has the exec endpoints: the
 * exec config and inspect answer are that version's types (`./types.ts`), and a
 * `DockerApi<any>` gets the v1.41 ones.
 */
import type { DockerApi } from "../api.js";
import { MULTIPLEXED_STREAM_CONTENT_TYPE, RAW_STREAM_CONTENT_TYPE } from "../attach/attach.js";
import { hijack, type HijackedConnection } from "../attach/hijack.js";
import type { ByteSink, ByteSource } from "../attach/io.js";
import type { TtySize } from "../attach/resize.js";
import { AttachSession, type AttachKind } from "../attach/session.js";
import { DockerAbortError } from "../errors.js";
import { compareApiVersions } from "../version.js";
import { collectOutput } from "./collect-output.js";
import { execError } from "./errors.js";
import { inspectExec, waitForExecExit } from "./inspect.js";
import { checkTtySize, resizeExec } from "./resize.js";
import { ExecSession } from "./session.js";
import { asV141, withSignal, type ExecConfig, type ExecPaths, type SignalOption } from "./types.js";

export { inspectExec, resizeExec, waitForExecExit };

/**
 * Creates an exec instance in a running container and returns its id.
 * @example await createExec(docker, id, { Cmd: ["ls", "/"], AttachStdout: true, AttachStderr: true })
 * @throws `NoSuchContainerError`, `DockerApiError` (409 when the container is not running or paused).
 */
export async function createExec<Paths extends ExecPaths>(
  docker: DockerApi<Paths>,
  container: string,
  config: ExecConfig<Paths>,
  options: SignalOption = {},
): Promise<string> {
  const { data } = await asV141(docker).api.POST("/containers/{id}/exec", {
    params: { path: { id: container } },
    body: config as ExecConfig,
    ...withSignal(options.signal),
  });
  return data!.Id;
}

/** Options of `startExec`. */
export interface StartExecOptions extends SignalOption {
  /**
   * Whether the exec was created with `Tty: true`. It decides the framing (raw TTY bytes or
   * multiplexed frames) and must match the exec's own setting; when omitted, berth inspects
   * the exec instance to learn it (one extra request).
   */
  tty?: boolean | undefined;
  /** Initial TTY size, sent as `ConsoleSize` (API 1.42+; older daemons ignore it: call `resize`). */
  consoleSize?: TtySize | undefined;
  /** Receives stdout (everything, with a TTY). Written with backpressure, never ended. */
  outputStream?: ByteSink | undefined;
  /** Receives stderr. Without it, stderr is discarded when `outputStream` is set. */
  errorStream?: ByteSink | undefined;
  /** Copied to the command's stdin (create the exec with `AttachStdin: true`); its end half-closes the connection. */
  inputStream?: ByteSource | undefined;
  /** Bytes each side of the stdout/stderr split may queue (default 1 MiB). */
  highWaterMark?: number | undefined;
  /** Largest frame a header may declare (default 64 MiB). */
  maxFrameBytes?: number | undefined;
}

/**
 * Starts an exec instance and hands back the hijacked connection as an `ExecSession` (the
 * shape of an attach session: `output`/`frames()`/`stdout`+`stderr`, `stdin` with half-close,
 * plus `resize` and `exitCode`). Resolves once the daemon accepted the start, before output flows.
 * @throws `NoSuchExecError`, `DockerApiError` (409 when the container stopped), `DockerAbortError`.
 */
export async function startExec<Paths extends ExecPaths>(
  docker: DockerApi<Paths>,
  id: string,
  options: StartExecOptions = {},
): Promise<ExecSession> {
  const { signal } = options;
  const tty = options.tty ?? (await inspectExec(docker, id, { signal })).ProcessConfig?.tty ?? false;
  const body: Record<string, unknown> = { Detach: false, Tty: tty };
  if (options.consoleSize) body["ConsoleSize"] = [checkTtySize(options.consoleSize).height, options.consoleSize.width];
  let connection: HijackedConnection;
  try {
    connection = await hijack(docker, { path: "/exec/{id}/start", pathParams: { id }, body, signal });
  } catch (error) {
    throw execError(error, id);
  }
  let kind: AttachKind;
  try {
    kind = streamKind(connection.contentType, await docker.apiVersion(signal), tty);
  } catch (error) {
    connection.close();
    throw signal?.aborted ? new DockerAbortError({ cause: signal.reason, request: connection.request }) : error;
  }
  const session = new AttachSession({
    docker,
    container: id,
    connection,
    kind,
    signal,
    maxFrameBytes: options.maxFrameBytes,
    highWaterMark: options.highWaterMark,
    outputStream: options.outputStream,
    errorStream: options.errorStream,
    inputStream: options.inputStream,
  });
  return new ExecSession(docker, id, session);
}

/** Starts an exec instance detached: the command runs in the background; follow it with `inspectExec`. */
export async function startExecDetached<Paths extends ExecPaths>(
  docker: DockerApi<Paths>,
  id: string,
  options: SignalOption & { tty?: boolean | undefined } = {},
): Promise<void> {
  try {
    await asV141(docker).api.POST("/exec/{id}/start", {
      params: { path: { id } },
      body: { Detach: true, Tty: options.tty ?? false },
      parseAs: "text",
      ...withSignal(options.signal),
    });
  } catch (error) {
    throw execError(error, id);
  }
}

/** Options of `runExec`: the common exec settings in plain words. */
export interface RunExecOptions extends SignalOption {
  /** Sent to the command's stdin, which then reads EOF. Without it, stdin is not attached. */
  stdin?: ByteSource | undefined;
  /** Run with a TTY: output is raw, everything arrives as stdout. */
  tty?: boolean | undefined;
  /** `NAME=value` entries added to the environment. */
  env?: readonly string[] | undefined;
  /** `user`, `user:group`, `uid` or `uid:gid`. */
  user?: string | undefined;
  /** Working directory inside the container. */
  workingDir?: string | undefined;
  /** Run with extended privileges. */
  privileged?: boolean | undefined;
}

/** What `runExec` returns. */
export interface ExecResult {
  /** The command's exit code (126/127 when the daemon could not start it). */
  exitCode: number;
  /** Standard output as UTF-8 text (everything, with a TTY). */
  stdout: string;
  /** Standard error as UTF-8 text. */
  stderr: string;
}

/**
 * Runs `cmd` in a running container, waits for it to exit, and returns its exit code and
 * output. The output is kept in memory: stream it with `createExec` + `startExec` when it is large.
 * @example const { exitCode, stdout } = await runExec(docker, id, ["sh", "-c", "ls /"]);
 */
export async function runExec<Paths extends ExecPaths>(
  docker: DockerApi<Paths>,
  container: string,
  cmd: readonly string[],
  options: RunExecOptions = {},
): Promise<ExecResult> {
  const { signal } = options;
  const tty = options.tty ?? false;
  const config: ExecConfig = {
    Cmd: [...cmd],
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
  };
  if (options.env) config.Env = [...options.env];
  if (options.user !== undefined) config.User = options.user;
  if (options.workingDir !== undefined) config.WorkingDir = options.workingDir;
  if (options.privileged !== undefined) config.Privileged = options.privileged;
  const id = await createExec(asV141(docker), container, config, { signal });
  const session = await startExec(asV141(docker), id, { tty, signal, inputStream: options.stdin });
  const output = await collectOutput(session.frames());
  await session.closed;
  return { exitCode: await waitForExecExit(docker, id, { signal }), ...output };
}

/**
 * Multiplexed or raw. The framing follows the `Tty` of the start request on every API version
 * (moby `postContainerExecStart`); from API 1.42 the daemon also names it in the content type,
 * which wins when it is explicit. Docker 20.10 sends `raw-stream` for both.
 */
function streamKind(contentType: string | undefined, apiVersion: string, tty: boolean): AttachKind {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === MULTIPLEXED_STREAM_CONTENT_TYPE) return "multiplexed";
  if (type === RAW_STREAM_CONTENT_TYPE && compareApiVersions(apiVersion, "1.42") >= 0) return "raw";
  return tty ? "raw" : "multiplexed";
}
