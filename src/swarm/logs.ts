/**
 * Service and task logs as lines, each with the task, node and service it came from: the
 * daemon collects them from every node running the service's tasks, multiplexed (8-byte
 * frames) unless the service has a TTY, and with `details=1` prefixes each line with
 * `com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,com.docker.swarm.task.id=...`.
 */
import { Demuxer, type StdStream } from "../codecs/demux.js";
import { DockerAbortError, DockerProtocolError } from "../errors.js";
import { formatLogTime, formatTail, type LogTime } from "../logs/logs.js";
import { swarmCall } from "./call.js";
import { asV141, withSignal, type SignalOption, type SwarmDocker } from "./types.js";

/** One log line of a service's task. */
export interface ServiceLogLine {
  stream: StdStream;
  /** The line without its newline. */
  text: string;
  taskId?: string | undefined;
  nodeId?: string | undefined;
  serviceId?: string | undefined;
  /** The daemon's timestamp (RFC 3339, nanoseconds) when `timestamps` was asked for. */
  timestamp?: string | undefined;
  /** Every detail attribute of the line (the swarm ids, plus log-driver attributes and labels). */
  details: Record<string, string>;
}

/** Options of `serviceLogs`. */
export interface ServiceLogsOptions extends SignalOption {
  /** Keep the stream open and deliver new lines as the tasks write them. */
  follow?: boolean | undefined;
  /** Only the last N lines of each task (`"all"` by default). */
  tail?: number | "all" | undefined;
  since?: LogTime | undefined;
  timestamps?: boolean | undefined;
  /** Default both. */
  stdout?: boolean | undefined;
  stderr?: boolean | undefined;
}

/**
 * The logs of a service (by ID or name) or of one task (`{ task: id }`), as lines with their
 * task and node. Breaking out of the loop (or `signal`) closes the connection.
 * @example
 * for await (const line of serviceLogs(docker, { service: "web", follow: true })) console.log(line.nodeId, line.text);
 * @throws `DockerApiError` (404 no such service), `SwarmUnavailableError`, `DockerProtocolError`, `DockerAbortError`.
 */
export async function* serviceLogs(
  docker: SwarmDocker,
  target: { service: string } | { task: string },
  options: ServiceLogsOptions = {},
): AsyncGenerator<ServiceLogLine, void, undefined> {
  const api = asV141(docker).api;
  const both = options.stdout === undefined && options.stderr === undefined;
  const query = {
    details: true,
    follow: options.follow,
    stdout: both || options.stdout,
    stderr: both || options.stderr,
    since: formatLogTime("since", options.since),
    timestamps: options.timestamps,
    tail: formatTail(options.tail),
  } as Record<string, unknown>; // `since` is a number in the v1.41 document; dockerd takes fractional seconds as text
  const request = new AbortController();
  const onAbort = () => request.abort(options.signal?.reason);
  if (options.signal?.aborted) throw new DockerAbortError({ cause: options.signal.reason });
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let tty: boolean;
    let body: ReadableStream<Uint8Array> | null | undefined;
    if ("service" in target) {
      const id = target.service;
      const service = await swarmCall(() => api.GET("/services/{id}", { params: { path: { id } }, ...withSignal(request.signal) }));
      tty = service.Spec?.TaskTemplate?.ContainerSpec?.TTY === true;
      body = await swarmCall(() =>
        api.GET("/services/{id}/logs", { params: { path: { id }, query }, parseAs: "stream", signal: request.signal }),
      );
    } else {
      const id = target.task;
      const task = await swarmCall(() => api.GET("/tasks/{id}", { params: { path: { id } }, ...withSignal(request.signal) }));
      tty = task.Spec?.ContainerSpec?.TTY === true;
      body = await swarmCall(() =>
        api.GET("/tasks/{id}/logs", { params: { path: { id }, query }, parseAs: "stream", signal: request.signal }),
      );
    }
    if (!body) return;
    yield* linesOf(body, tty, options.timestamps === true);
  } catch (error) {
    if (options.signal?.aborted) throw new DockerAbortError({ cause: options.signal.reason });
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    request.abort();
  }
}

/** Splits the (multiplexed or raw) body into lines per stream and parses each line's prefix. */
async function* linesOf(body: ReadableStream<Uint8Array>, tty: boolean, timestamps: boolean): AsyncGenerator<ServiceLogLine> {
  const reader = body.getReader();
  const demuxer = tty ? undefined : new Demuxer();
  const decoder = { stdin: new TextDecoder(), stdout: new TextDecoder(), stderr: new TextDecoder() };
  const pending: Record<StdStream, string> = { stdin: "", stdout: "", stderr: "" };
  const ready: ServiceLogLine[] = [];
  const take = (stream: StdStream, data: Uint8Array) => {
    let text = pending[stream] + decoder[stream].decode(data, { stream: true });
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      ready.push(parseLogLine(stream, text.slice(0, nl), timestamps));
      text = text.slice(nl + 1);
      nl = text.indexOf("\n");
    }
    pending[stream] = text;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (demuxer) demuxer.push(value, (piece) => take(piece.stream, piece.data));
      else take("stdout", value);
      while (ready.length) yield ready.shift()!;
    }
    demuxer?.end();
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = pending[stream] + decoder[stream].decode();
      if (rest) yield parseLogLine(stream, rest, timestamps);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * Parses `[timestamp ]k=v,k=v text` (the `details=1` format: attributes URL-query-encoded,
 * moby `daemon/cluster/services.go`). Exported for the unit tests.
 */
export function parseLogLine(stream: StdStream, line: string, timestamps: boolean): ServiceLogLine {
  let rest = line;
  let timestamp: string | undefined;
  if (timestamps) {
    const sp = rest.indexOf(" ");
    if (sp < 0) throw new DockerProtocolError(`service log line without a timestamp: ${JSON.stringify(line.slice(0, 100))}`);
    timestamp = rest.slice(0, sp);
    rest = rest.slice(sp + 1);
  }
  const details: Record<string, string> = {};
  const sp = rest.indexOf(" ");
  const head = sp < 0 ? rest : rest.slice(0, sp);
  if (head.includes("=")) {
    for (const pair of head.split(",")) {
      const eq = pair.indexOf("=");
      if (eq > 0) details[decode(pair.slice(0, eq))] = decode(pair.slice(eq + 1));
    }
    rest = sp < 0 ? "" : rest.slice(sp + 1);
  }
  return {
    stream,
    text: rest,
    taskId: details["com.docker.swarm.task.id"],
    nodeId: details["com.docker.swarm.node.id"],
    serviceId: details["com.docker.swarm.service.id"],
    timestamp,
    details,
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
