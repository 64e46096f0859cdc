/**
 * What each kind of table entry does when called (see the overlay's `x-berth-kinds`): a plain
 * request through the low-level client, or the stream, session and wait machinery berth
 * already has (ProgressOperation, ByteStreamOperation, attach, exec, logs, events). Everything
 * here reads the entry, never an API version, so any generated table works with it.
 */
import { bindSwarmExtra } from "../swarm/extras.js";
import type { DockerApi } from "../api.js";
import { attachToContainer } from "../attach/attach.js";
import { hijack } from "../attach/hijack.js";
import { toRequestBody, type BodyInput } from "../body.js";
import { archiveDirectory, openBuildContext } from "../build-context/tar-directory.js";
import { encodeRegistryAuth } from "../client/auth.js";
import { splitImageRef } from "../client/image-ref.js";
import { dockerSearchEntry } from "../codecs/search-entry.js";
import { collectRequestSecrets } from "../secrets.js";
import { ByteStreamOperation } from "../client/download.js";
import { ProgressOperation, type OpenedProgress } from "../client/progress.js";
import { readJsonStream } from "../codecs/json-stream.js";
import { DockerAbortError, DockerWaitError, InvalidOptionError, type RequestSummary } from "../errors.js";
import { events } from "../events/index.js";
import { startExec } from "../exec/exec.js";
import { containerLogs } from "../logs/logs.js";
import { ProgressState, type ProgressResult } from "../progress/fold.js";
import { pulledDigest } from "../progress/pull-digest.js";
import { encodeFilters, type DockerFilters } from "../versions/filters.js";
import type { MethodEntry, ParamSpec, TarInput, WaitHealthyOptions } from "./types.js";

type Options = Record<string, unknown>;
type Call = (path: string, init: Options) => Promise<{ data?: unknown; response: Response }>;
type Pair = readonly [option: string, wire: string];

/** Options every method takes besides its parameters. */
const COMMON_OPTIONS = ["signal"];
/** Options a kind adds. */
const KIND_OPTIONS: Partial<Record<MethodEntry["kind"], readonly string[]>> = {
  hijack: ["tty", "outputStream", "errorStream", "inputStream", "highWaterMark", "maxFrameBytes", "consoleSize"],
  logs: ["tty", "highWaterMark", "maxFrameBytes"],
};

/** An entry prepared once, when the client is made: its parameter lists and accepted options. */
interface Plan {
  readonly entry: MethodEntry;
  readonly path: readonly Pair[];
  readonly query: readonly Pair[];
  readonly header: readonly Pair[];
  readonly known: ReadonlySet<string>;
  readonly call: Call;
  readonly parseAs: "json" | "text" | "stream";
  /** Checks a JSON answer as the client's validation policy says (identity when nothing checks it). */
  readonly check: (data: unknown) => unknown;
}

/** One reason an answer does not match (the generated validators' issue type). */
interface Issue {
  path: (string | number)[];
  code: string;
  message: string;
}
type Validator = (value: unknown, issues?: Issue[]) => boolean;
/** The low-level client's validation policy (`createDockerApi`'s `validation` option). */
interface ValidationPolicy {
  check(validate: Validator, value: unknown, what: string, request?: RequestSummary): unknown;
}
type Validators = { readonly [name: string]: unknown } | undefined;

const pairs = (specs: readonly ParamSpec[] | undefined): Pair[] => (specs ?? []).map((s) => (typeof s === "string" ? [s, s] : s));

/** The validator of an entry's `schema` (`Network[]` checks every element), if the definition has it. */
function validatorOf(entry: MethodEntry, validators: Validators): Validator | undefined {
  const schema = entry.schema;
  if (!schema || !validators) return undefined;
  const many = schema.endsWith("[]");
  const one = validators[`validate${many ? schema.slice(0, -2) : schema}`];
  if (typeof one !== "function") return undefined;
  const validate = one as Validator;
  if (!many) return validate;
  return (value, issues) => {
    if (!Array.isArray(value)) {
      issues?.push({
        path: [],
        code: "invalid_type",
        message: `Invalid input: expected array, received ${value === null ? "null" : typeof value}`,
      });
      return false;
    }
    let ok = true;
    value.forEach((item, index) => {
      const own: Issue[] | undefined = issues ? [] : undefined;
      if (validate(item, own)) return;
      ok = false;
      for (const issue of own ?? []) issues!.push({ ...issue, path: [index, ...issue.path] });
    });
    return ok;
  };
}

function plan(core: DockerApi<any>, entry: MethodEntry, validators?: Validators): Plan {
  const path = pairs(entry.pathParams);
  const query = pairs(entry.query);
  const header = pairs(entry.header);
  const known = new Set([...COMMON_OPTIONS, ...(KIND_OPTIONS[entry.kind] ?? []), ...[...path, ...query, ...header].map((p) => p[0])]);
  if (entry.body) known.add("body");
  const call = (core.api as unknown as Record<string, Call>)[entry.method]!.bind(core.api);
  const parseAs = entry.response === "json" ? "json" : entry.response === "binary" ? "stream" : "text";
  const validate = validatorOf(entry, validators);
  const policy = (core as { validation?: ValidationPolicy }).validation;
  const what = `${entry.op} (${entry.method} ${entry.path})`;
  const request = { method: entry.method, path: entry.path };
  const check = validate && policy ? (data: unknown) => policy.check(validate, data, what, request) : (data: unknown) => data;
  return { entry, path, query, header, known, call, parseAs, check };
}

/** The method of one entry. */
export function bindMethod(core: DockerApi<any>, entry: MethodEntry, validators?: Validators): (options?: Options) => unknown {
  const p = plan(core, entry, validators);
  switch (entry.kind) {
    case "progress":
      return (options = {}) => progress(core, p, options);
    case "bytes":
      return (options = {}) =>
        new ByteStreamOperation(async () => (await send(p, options, "stream")).data as ReadableStream<Uint8Array>, signalOf(options));
    case "hijack":
      return (options = {}) => session(core, p, options);
    case "logs":
      return (options = {}) => logs(core, p, options);
    case "events":
      return (options = {}) => events(core, options);
    case "wait":
      return (options = {}) => wait(p, options);
    case "json-stream":
      return (options = {}) => jsonStream(p, options);
    case "upgrade":
      return (options = {}) => upgrade(core, p, options);
    default:
      return (options = {}) => plain(p, options);
  }
}

/** An extra method an entry adds (`waitHealthy` on container inspect, the swarm waits of src/swarm/extras.ts). */
export function bindExtra(core: DockerApi<any>, entry: MethodEntry, extra: string, validators?: Validators): (options: never) => unknown {
  const swarm = bindSwarmExtra(core, extra);
  if (swarm) return swarm;
  if (extra !== "waitHealthy") throw new TypeError(`unknown extra method ${extra} of ${entry.op}`);
  const p = plan(core, entry, validators);
  return (options: WaitHealthyOptions) => waitHealthy(p, options);
}

// ------------------------------------------------------------------------------ requests

function signalOf(options: Options): AbortSignal | undefined {
  return options["signal"] as AbortSignal | undefined;
}

/** The openapi-fetch init of a call (body aside): parameters by where they go, the signal. */
function init(p: Plan, options: Options, parseAs: Plan["parseAs"]): Options {
  for (const key in options) {
    if (!p.known.has(key) && options[key] !== undefined) {
      throw new InvalidOptionError(key, `is not an option of ${p.entry.op} (${p.entry.method} ${p.entry.path})`);
    }
  }
  const params: Options = {};
  let path: Options | undefined;
  for (const [option, wire] of p.path) {
    const value = options[option];
    // openapi-fetch would send a missing one as the literal `{id}`; an empty one is refused by serializeDockerPath.
    if (value === undefined || value === null)
      throw new InvalidOptionError(option, `is required by ${p.entry.op} (${p.entry.method} ${p.entry.path})`);
    (path ??= {})[wire] = value;
  }
  if (path) params["path"] = path;
  let query: Options | undefined;
  for (const [option, wire] of p.query) {
    const value = options[option];
    if (value !== undefined)
      (query ??= {})[wire] = wire === "filters" && typeof value === "object" ? encodeFilters(value as DockerFilters) : value;
  }
  if (query) params["query"] = p.entry.op === "ImageCreate" ? importTagInRepo(query) : query;
  let header: Options | undefined;
  for (const [option, wire] of p.header) {
    const value = options[option];
    if (value !== undefined)
      (header ??= {})[wire] = typeof value === "object" && value !== null ? encodeRegistryAuth(value as never) : value;
  }
  if (header) params["header"] = header;
  const result: Options = { params };
  if (parseAs !== "json") result["parseAs"] = parseAs;
  const signal = options["signal"];
  if (signal !== undefined) result["signal"] = signal;
  return result;
}

/** openapi-fetch's body serializer for bodies that are already bytes or streams. */
const passThrough = <T>(body: T): T => body;

/** Sends the request of entry `p` and returns openapi-fetch's answer (an error status has thrown). */
/**
 * An import (`fromSrc`) with `repo` and `tag`: the tag goes into `repo` (`repo=app:v1`), which
 * dockerd and podman both read; podman 4.3 ignores `tag` there and tags the import `latest`.
 */
function importTagInRepo(query: Options): Options {
  const { fromSrc, fromImage, repo, tag } = query;
  if (fromSrc === undefined || fromImage !== undefined || typeof repo !== "string" || typeof tag !== "string" || tag === "") return query;
  const ref = splitImageRef(repo);
  if (ref.tag !== undefined || ref.digest !== undefined) return query; // the repository names its tag or digest already
  const { tag: _tag, ...rest } = query;
  return { ...rest, repo: `${repo}:${tag}` };
}

/** What an ImageCreate pulls (`fromImage` with one tag or digest), or undefined for an import or an all-tags pull. */
function pulledReference(options: Options): { image: string; repository: string; digest?: string } | undefined {
  const { fromImage, fromSrc, tag } = options;
  if (typeof fromImage !== "string" || fromImage === "" || fromSrc !== undefined) return undefined;
  const ref = splitImageRef(fromImage);
  if (ref.digest !== undefined || ref.tag !== undefined) return { image: fromImage, ...ref };
  if (typeof tag !== "string" || tag === "") return undefined;
  return /^sha256:/.test(tag)
    ? { image: `${fromImage}@${tag}`, repository: fromImage, digest: tag }
    : { image: `${fromImage}:${tag}`, repository: fromImage };
}

async function send(p: Plan, options: Options, parseAs: Plan["parseAs"] = p.parseAs): Promise<{ data?: unknown; response: Response }> {
  const request = init(p, options, parseAs);
  const body = options["body"];
  if (body !== undefined && p.entry.body === "json") request["body"] = body;
  else if (body !== undefined) await binaryBody(p, request, body);
  return p.call(p.entry.path, request);
}

/** A binary body: the bytes as given, or a tar made from a directory, files or a build context. */
async function binaryBody(p: Plan, request: Options, body: unknown): Promise<void> {
  const { input } = p.entry;
  const tar = input === "tar" || input === "build-context";
  let prepared: unknown;
  if (tar && typeof body === "object" && body !== null && "directory" in body) {
    const given = body as { directory: string; exclude?: readonly string[]; ignoreFile?: string };
    if (input === "build-context") {
      const query = ((request["params"] as Options)["query"] ??= {}) as Options;
      const context = await openBuildContext(given.directory, {
        dockerfile: query["dockerfile"] as string | undefined,
        ignoreFile: given.ignoreFile,
        exclude: given.exclude,
      });
      query["dockerfile"] = context.dockerfile;
      prepared = context.body;
    } else {
      prepared = await archiveDirectory(given.directory, { exclude: given.exclude });
    }
  } else if (tar && typeof body === "object" && body !== null && "files" in body) {
    prepared = await tarOfFiles((body as Extract<TarInput, { files: unknown }>).files);
  } else {
    prepared = toRequestBody(body as BodyInput, "body");
  }
  request["body"] = prepared;
  request["bodySerializer"] = passThrough;
  request["headers"] = { "Content-Type": tar ? "application/x-tar" : "application/octet-stream" };
}

/** A tar archive of the given files (regular files, mode 0644, parent directories implied). */
async function tarOfFiles(files: Readonly<Record<string, string | Uint8Array>>): Promise<Uint8Array> {
  const { packTar } = await import("modern-tar");
  const encoder = new TextEncoder();
  const entries = Object.entries(files).map(([name, content]) => {
    if (name === "" || name.startsWith("/") || name.split("/").includes("..")) {
      throw new InvalidOptionError(`body.files[${JSON.stringify(name)}]`, "must be a relative path inside the archive");
    }
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    return { header: { name, size: bytes.byteLength, type: "file" as const, mode: 0o644 }, body: bytes };
  });
  return packTar(entries);
}

/** A plain call: the answer's data. */
async function plain(p: Plan, options: Options): Promise<unknown> {
  const { data, response } = await send(p, options);
  // A HEAD answer is its headers (archive stat, ping's API-Version); a body-less answer is nothing.
  if (p.entry.method === "HEAD") return response.headers;
  if (p.entry.response === "none") return undefined;
  // podman 4.3 answers a search in libpod's keys: Docker's are what the types promise
  return p.check(p.entry.op === "ImageSearch" && Array.isArray(data) ? data.map(dockerSearchEntry) : data);
}

function summary(p: Plan): RequestSummary {
  return { method: p.entry.method, path: p.entry.path };
}

// ------------------------------------------------------------------------------ kinds

const IMAGE_ID = /^(sha256:)?[0-9a-f]{64}$/;

function progress(core: DockerApi<any>, p: Plan, options: Options): ProgressOperation<ProgressResult> {
  let libpod = false;
  const open = async (): Promise<OpenedProgress> => {
    const { data, response } = await send(p, options, "stream");
    libpod = response.headers.has("libpod-api-version");
    const body = data as ReadableStream<Uint8Array> | undefined;
    // Some answers (an image load on old daemons) are not JSON at all: nothing to read then.
    if (body && !/json/i.test(response.headers.get("content-type") ?? "json")) {
      await body.cancel().catch(() => undefined);
      return { body: undefined, request: summary(p) };
    }
    // The credentials the request carried (X-Registry-Auth, X-Registry-Config): a daemon that
    // echoes them into the stream's errorDetail must not hand them back (issue 16 item 3).
    return { body, request: summary(p), secrets: collectRequestSecrets(init(p, options, "stream")) };
  };
  return new ProgressOperation(
    open,
    () => {
      const state = new ProgressState();
      let imported: string | undefined;
      return {
        observe(message) {
          // An import's last status is the new image's id; nothing else reports one there.
          // podman 4.3 repeats it as the message's `id`, which would read as a layer's line.
          const status = message.status?.trim();
          if (status && message.id === status && message.error === undefined && IMAGE_ID.test(status)) {
            imported = status;
            return;
          }
          state.apply(message);
          if (status && !message.id && IMAGE_ID.test(status)) imported = status;
        },
        finish: async () => {
          if (state.result.imageId === undefined && imported !== undefined) return { ...state.result, imageId: imported };
          // podman 4.3 (Libpod-Api-Version in its answers) names no digest in a pull's stream
          const pulled = libpod && p.entry.op === "ImageCreate" ? pulledReference(options) : undefined;
          if (state.result.digest !== undefined || pulled === undefined) return state.result;
          // the pulled image's RepoDigests do
          const digest = pulled.digest ?? (await pulledDigest(core, pulled.image, pulled.repository, signalOf(options)));
          return digest === undefined ? state.result : { ...state.result, digest };
        },
      };
    },
    signalOf(options),
  );
}

async function session(core: DockerApi<any>, p: Plan, options: Options): Promise<unknown> {
  init(p, options, "text"); // the option check
  const streams = {
    signal: signalOf(options),
    outputStream: options["outputStream"],
    errorStream: options["errorStream"],
    inputStream: options["inputStream"],
    highWaterMark: options["highWaterMark"],
    maxFrameBytes: options["maxFrameBytes"],
  } as const;
  const id = String(options["id"] ?? "");
  if (p.entry.op === "ExecStart") {
    const body = (options["body"] ?? {}) as { Detach?: boolean; Tty?: boolean };
    if (body.Detach) {
      throw new InvalidOptionError("body.Detach", 'a detached start has no session: use core.api.POST("/exec/{id}/start") for it');
    }
    return startExec(core, id, {
      ...(streams as object),
      tty: (options["tty"] as boolean | undefined) ?? body.Tty,
      consoleSize: options["consoleSize"] as never,
    });
  }
  return attachToContainer(core, {
    ...(streams as object),
    container: id,
    logs: options["logs"] as boolean | undefined,
    stream: options["stream"] as boolean | undefined,
    stdin: options["stdin"] as boolean | undefined,
    stdout: options["stdout"] as boolean | undefined,
    stderr: options["stderr"] as boolean | undefined,
    detachKeys: options["detachKeys"] as string | undefined,
    tty: options["tty"] as boolean | undefined,
  });
}

async function logs(core: DockerApi<any>, p: Plan, options: Options): Promise<unknown> {
  init(p, options, "text"); // the option check
  const tail = options["tail"];
  return containerLogs(core, {
    container: String(options["id"] ?? ""),
    follow: options["follow"] as boolean | undefined,
    stdout: options["stdout"] as boolean | undefined,
    stderr: options["stderr"] as boolean | undefined,
    since: options["since"] as number | undefined,
    until: options["until"] as number | undefined,
    timestamps: options["timestamps"] as boolean | undefined,
    tail: typeof tail === "string" && /^\d+$/.test(tail) ? Number(tail) : (tail as number | "all" | undefined),
    tty: options["tty"] as boolean | undefined,
    highWaterMark: options["highWaterMark"] as number | undefined,
    maxFrameBytes: options["maxFrameBytes"] as number | undefined,
    signal: signalOf(options),
  });
}

async function wait(p: Plan, options: Options): Promise<unknown> {
  const data = (await plain(p, options)) as { StatusCode?: number; Error?: { Message?: string } | null } | undefined;
  const message = data?.Error?.Message;
  if (message) {
    throw new DockerWaitError(String(options["id"]), `waiting for container ${String(options["id"])} failed: ${message}`, {
      request: summary(p),
      ...(data?.StatusCode !== undefined ? { exitCode: data.StatusCode } : {}),
    });
  }
  return data;
}

async function* jsonStream(p: Plan, options: Options): AsyncGenerator<unknown, void, undefined> {
  const { data } = await send(p, options, "stream");
  if (!data) return;
  const signal = signalOf(options);
  for await (const item of readJsonStream(data as ReadableStream<Uint8Array>)) {
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason, request: summary(p) });
    if (item.error) throw item.error;
    yield item.value;
  }
}

async function upgrade(core: DockerApi<any>, p: Plan, options: Options): Promise<unknown> {
  const request = init(p, options, "text");
  const params = request["params"] as { path?: Options; query?: Options };
  return hijack(core, {
    method: p.entry.method,
    path: p.entry.path,
    pathParams: params.path,
    query: params.query,
    signal: signalOf(options),
  });
}

const DEFAULT_HEALTH_TIMEOUT_MS = 60_000;
const DEFAULT_HEALTH_INTERVAL_MS = 250;

interface HealthState {
  State?: { Running?: boolean; Restarting?: boolean; ExitCode?: number; Health?: { Status?: string } | null } | null;
  Config?: { Healthcheck?: { Test?: string[] | null } | null } | null;
}

/** Polls container inspect until the health check passes; exit, `unhealthy` or the timeout fail with DockerWaitError. */
async function waitHealthy(p: Plan, options: WaitHealthyOptions): Promise<unknown> {
  const { id, signal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  for (const [name, value] of [
    ["timeoutMs", timeoutMs],
    ["intervalMs", intervalMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new InvalidOptionError(name, "must be a non-negative number of milliseconds");
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const data = (await plain(p, { id, signal })) as HealthState;
    const state = data.State ?? {};
    const status = state.Health?.Status;
    if (status === "healthy") return data;
    const fail = (message: string) =>
      new DockerWaitError(id, `container ${id} ${message}`, {
        request: summary(p),
        ...(state.ExitCode !== undefined && !state.Running ? { exitCode: state.ExitCode } : {}),
      });
    // podman 4.3 reports `Health: {Status: ""}` for a container without a health check
    const test = data.Config?.Healthcheck?.Test;
    const checked = state.Health && (status !== "" || (!!test?.length && test[0] !== "NONE"));
    if (!checked) throw fail("has no health check");
    if (status === "unhealthy") throw fail("is unhealthy");
    if (!state.Running && !state.Restarting) throw fail(`exited (code ${state.ExitCode ?? "unknown"}) before it became healthy`);
    const left = deadline - Date.now();
    if (left <= 0) throw fail(`did not become healthy within ${timeoutMs} ms (health: ${status ?? "none"})`);
    await delay(Math.min(intervalMs, left), signal);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
