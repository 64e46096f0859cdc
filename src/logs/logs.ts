/**
 * Container logs (`GET /containers/{id}/logs`), read as they arrive: demultiplexed into
 * stdout and stderr, or raw for a container with a TTY, optionally following the container
 * until it stops. The Go client's `Logs`.
 *
 * The body is the attach stream format without the hijack: multiplexed 8-byte-header frames,
 * or the TTY's bytes as they are. API 1.42+ daemons say which in the `Content-Type`; older
 * ones send none (the v1.41 document says so), and then the caller's `tty` or the container's
 * `Config.Tty` (one inspect, sent alongside the logs request) decides.
 */
import { serializeDockerPath, serializeDockerQuery, type DockerApi } from "../api.js";
import { MULTIPLEXED_STREAM_CONTENT_TYPE, RAW_STREAM_CONTENT_TYPE } from "../attach/attach.js";
import { AttachSession, type AttachKind } from "../attach/session.js";
import { DockerAbortError, InvalidOptionError } from "../errors.js";
import { collectOutput, type CollectedOutput } from "../exec/collect-output.js";
import type { paths as V141Paths } from "../versions/v1.41.js";
import { compareApiVersions } from "../version.js";
import { ContainerLogStream } from "./log-stream.js";
import { responseConnection } from "./response-connection.js";

/** What a `paths` type needs for `containerLogs` (API 1.11 and later; not berth's v1.10 types). */
export interface LogsPaths {
  "/containers/{id}/logs": unknown;
}

// Inside this module every call is typed against API 1.41, whatever the caller's version.
const v141 = (docker: DockerApi<any>): DockerApi<V141Paths> => docker;

/** A point in time: a `Date`, seconds since the epoch (fractions allowed), or the daemon's own string form. */
export type LogTime = Date | number | string;

/** Options of `containerLogs`. With neither `stdout` nor `stderr` set, both are read. */
export interface ContainerLogsOptions {
  /** Container id or name. */
  container: string;
  /** Keep the stream open and deliver new output until the container stops. */
  follow?: boolean | undefined;
  /** Include stdout. */
  stdout?: boolean | undefined;
  /** Include stderr. */
  stderr?: boolean | undefined;
  /** Only output written at or after this time. */
  since?: LogTime | undefined;
  /** Only output written before this time (API 1.35+). */
  until?: LogTime | undefined;
  /** Only the last this-many lines (`"all"`, the default, for everything). */
  tail?: number | "all" | undefined;
  /** Prefix every line with its RFC 3339 timestamp. */
  timestamps?: boolean | undefined;
  /**
   * Whether the container has a TTY (raw output) or not (multiplexed). Needed only where the
   * daemon does not say (API below 1.42); when omitted there, berth inspects the container.
   */
  tty?: boolean | undefined;
  /** Aborts the request and, later, the stream (`closed` rejects with `DockerAbortError`). */
  signal?: AbortSignal | undefined;
  /** Bytes each side of the stdout/stderr split may queue (default 1 MiB). */
  highWaterMark?: number | undefined;
  /** Largest frame a header may declare (default 64 MiB). */
  maxFrameBytes?: number | undefined;
}

/**
 * Opens a container's logs. Resolves at the daemon's answer, before output is read.
 * @example
 * const logs = await containerLogs(docker, { container: id, follow: true });
 * for await (const { stream, data } of logs) process[stream === "stderr" ? "stderr" : "stdout"].write(data);
 * @throws `NoSuchContainerError`, `DockerApiError`, `DockerAbortError`, `InvalidOptionError`.
 */
export async function containerLogs<Paths extends LogsPaths>(
  docker: DockerApi<Paths>,
  options: ContainerLogsOptions,
): Promise<ContainerLogStream> {
  const { container, signal } = options;
  const both = options.stdout === undefined && options.stderr === undefined;
  const query = {
    follow: options.follow || undefined,
    stdout: both || options.stdout || undefined,
    stderr: both || options.stderr || undefined,
    since: formatLogTime("since", options.since),
    until: formatLogTime("until", options.until),
    tail: formatTail(options.tail),
    timestamps: options.timestamps || undefined,
  };
  // The request gets a signal of its own: aborting it is how the stream is closed later.
  const request = new AbortController();
  // Below API 1.42 the answer will not say the framing: ask the container at the same time, so
  // a container that exits and is auto-removed meanwhile cannot fail the logs it produced.
  const version = await docker.apiVersion(signal);
  const older = compareApiVersions(version, "1.42") < 0;
  const tty = options.tty === undefined && older ? containerHasTty(docker, container, signal) : undefined;
  tty?.catch(() => {}); // awaited below, or dropped with the request's own error
  const onAbort = () => request.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let answer: { data?: ReadableStream<Uint8Array> | null; response: Response };
  try {
    answer = await v141(docker).api.GET("/containers/{id}/logs", {
      params: { path: { id: container }, query: query as Record<string, unknown> },
      parseAs: "stream",
      signal: request.signal,
    });
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  const { data, response } = answer;
  const queryText = serializeDockerQuery(query);
  const path =
    (await docker.versionedPath(serializeDockerPath("/containers/{id}/logs", { id: container }))) + (queryText ? `?${queryText}` : "");
  const connection = responseConnection(response, data, { method: "GET", path }, () => request.abort());
  let kind: AttachKind;
  try {
    kind =
      streamKind(connection.contentType, older) ??
      ((options.tty ?? (await (tty ?? containerHasTty(docker, container, signal)))) ? "raw" : "multiplexed");
  } catch (error) {
    connection.close();
    throw signal?.aborted ? new DockerAbortError({ cause: signal.reason, request: connection.request }) : error;
  }
  const session = new AttachSession({
    docker,
    container,
    connection,
    kind,
    signal,
    maxFrameBytes: options.maxFrameBytes,
    highWaterMark: options.highWaterMark,
  });
  return new ContainerLogStream(session);
}

/**
 * Reads a container's logs to their end (with `follow`, until the container stops) and returns
 * them as text. Everything is kept in memory: use `containerLogs` for large logs.
 */
export async function readContainerLogs<Paths extends LogsPaths>(
  docker: DockerApi<Paths>,
  options: ContainerLogsOptions,
): Promise<CollectedOutput> {
  const logs = await containerLogs(docker, options);
  const output = await collectOutput(logs);
  await logs.closed;
  return output;
}

/**
 * Multiplexed or raw as the daemon's content type says, where it is meaningful (API 1.42+; the
 * v1.42 API changes); `undefined` when it does not say.
 */
function streamKind(contentType: string | undefined, older: boolean): AttachKind | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === MULTIPLEXED_STREAM_CONTENT_TYPE) return "multiplexed";
  if (type === RAW_STREAM_CONTENT_TYPE && !older) return "raw";
  return undefined;
}

/** The container's `Config.Tty`, from an inspect. */
async function containerHasTty(docker: DockerApi<any>, container: string, signal: AbortSignal | undefined): Promise<boolean> {
  const { data } = await v141(docker).api.GET("/containers/{id}/json", {
    params: { path: { id: container } },
    ...(signal ? { signal } : {}),
  });
  return data?.Config?.Tty === true;
}

/**
 * The daemon's timestamp form (`ParseTimestamps` in moby's api/types/time): whole seconds, or
 * seconds and nine digits of nanoseconds after a dot.
 */
export function formatLogTime(option: string, time: LogTime | undefined): string | undefined {
  if (time === undefined || typeof time === "string") return time;
  const ms = time instanceof Date ? time.getTime() : time * 1000;
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidOptionError(option, "must be a valid time at or after the epoch");
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos === 0) return String(seconds);
  return nanos >= 1e9 ? String(seconds + 1) : `${seconds}.${String(nanos).padStart(9, "0")}`;
}

/** `tail` as the daemon takes it: a non-negative integer or `all`. */
export function formatTail(tail: number | "all" | undefined): string | undefined {
  if (tail === undefined || tail === "all") return tail;
  if (!Number.isInteger(tail) || tail < 0) throw new InvalidOptionError("tail", 'must be a non-negative integer or "all"');
  return String(tail);
}
