/**
 * `attachToContainer`: the Go client's `AttachToContainer` as one call that resolves when the
 * daemon accepted the attach (the Go `Success` handshake: start the container after it) and
 * hands back the connection as streams.
 */
import type { DockerApi } from "../api.js";
import { DockerAbortError } from "../errors.js";
import { compareApiVersions } from "../version.js";
import { hijack } from "./hijack.js";
import type { ByteSink, ByteSource } from "./io.js";
import { AttachSession, type AttachKind } from "./session.js";

/** The content type of a demultiplexable stream (sent by daemons from API 1.42). */
export const MULTIPLEXED_STREAM_CONTENT_TYPE = "application/vnd.docker.multiplexed-stream";
/** The content type of a raw stream (sent by older daemons for both kinds). */
export const RAW_STREAM_CONTENT_TYPE = "application/vnd.docker.raw-stream";

/** Options of `attachToContainer`; the query flags are the Go client's, all off by default. */
export interface AttachOptions {
  /** Container id or name. */
  container: string;
  /** Send the output the container already produced. */
  logs?: boolean | undefined;
  /** Stay attached and stream live output (and input). */
  stream?: boolean | undefined;
  /** Attach the container's stdin. */
  stdin?: boolean | undefined;
  /** Attach (and, with `logs`, replay) stdout. */
  stdout?: boolean | undefined;
  /** Attach (and, with `logs`, replay) stderr. */
  stderr?: boolean | undefined;
  /** Key sequence that detaches (API 1.25+), e.g. `ctrl-p,ctrl-q`. */
  detachKeys?: string | undefined;
  /**
   * Whether the container has a TTY (raw output) or not (multiplexed). Needed only where the
   * daemon does not say (API below 1.42); when omitted there, berth inspects the container.
   */
  tty?: boolean | undefined;
  /** Aborts the attach and, later, the live session (`closed` rejects with `DockerAbortError`). */
  signal?: AbortSignal | undefined;
  /** Receives stdout (everything, for a TTY). Written with backpressure, never ended. */
  outputStream?: ByteSink | undefined;
  /** Receives stderr. Without it, stderr frames are discarded when `outputStream` is set. */
  errorStream?: ByteSink | undefined;
  /** Copied to the container's stdin; its end half-closes the connection (EOF to the container). */
  inputStream?: ByteSource | undefined;
  /** Bytes each side of the stdout/stderr split may queue (default 1 MiB). See `AttachSession`. */
  highWaterMark?: number | undefined;
  /** Largest frame a header may declare (default 64 MiB); see `DemuxOptions`. */
  maxFrameBytes?: number | undefined;
}

/**
 * Attaches to a container. Resolves once the attach is established, before output flows.
 * @throws `NoSuchContainerError` (404), `DockerApiError` (409 for a paused container, 500),
 *   `DockerAbortError`, connection and protocol errors.
 */
export async function attachToContainer(docker: DockerApi<any>, options: AttachOptions): Promise<AttachSession> {
  const { container, signal } = options;
  const connection = await hijack(docker, {
    path: "/containers/{id}/attach",
    pathParams: { id: container },
    // A boolean the caller set goes on the wire, `false` too, and `logs`/`stream` always (false
    // is dockerd's default for both): podman 4.3 takes a missing `stream` as true, so a logs-only
    // attach to an exited container never ended there (issue 15).
    query: {
      logs: options.logs ?? false,
      stream: options.stream ?? false,
      stdin: options.stdin,
      stdout: options.stdout,
      stderr: options.stderr,
      detachKeys: options.detachKeys,
    },
    signal,
  });
  let kind: AttachKind;
  try {
    kind = await streamKind(docker, connection.contentType, options);
  } catch (error) {
    connection.close();
    throw signal?.aborted ? new DockerAbortError({ cause: signal.reason, request: connection.request }) : error;
  }
  return new AttachSession({
    docker,
    container,
    connection,
    kind,
    signal,
    maxFrameBytes: options.maxFrameBytes,
    highWaterMark: options.highWaterMark,
    outputStream: options.outputStream,
    errorStream: options.errorStream,
    inputStream: options.inputStream,
  });
}

/**
 * Multiplexed or raw: the daemon's content type where it is meaningful (API 1.42+ sends
 * `multiplexed-stream` for non-TTY containers, the v1.42 API changes), else the caller's
 * `tty`, else the container's `Config.Tty`. Docker 20.10 sends `raw-stream` for both kinds.
 */
async function streamKind(docker: DockerApi<any>, contentType: string | undefined, options: AttachOptions): Promise<AttachKind> {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === MULTIPLEXED_STREAM_CONTENT_TYPE) return "multiplexed";
  if (type === RAW_STREAM_CONTENT_TYPE && compareApiVersions(await docker.apiVersion(options.signal), "1.42") >= 0) return "raw";
  if (options.tty !== undefined) return options.tty ? "raw" : "multiplexed";
  const { data } = await docker.api.GET("/containers/{id}/json", {
    params: { path: { id: options.container } },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return (data as { Config?: { Tty?: boolean } } | undefined)?.Config?.Tty ? "raw" : "multiplexed";
}
