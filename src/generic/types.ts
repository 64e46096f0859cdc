/**
 * The types of the generic client: how a generated method table (`generated/v<X.Y>/methods.ts`)
 * and that version's `operations` become typed methods. Nothing here is version-specific: a
 * version generated tomorrow gets its typed client from the same types.
 *
 * For one table entry `E` of operation `Op`:
 * - the options are `Op`'s path, query and header parameters by their API names (`signal` and
 *   `body` renamed, see `RenamedKey`), its request body as `body`, and `signal`; required
 *   parameters and bodies stay required, and an unknown key fails to compile;
 * - the result is what `E.kind` makes of `Op`'s success answer (`ResultOf`), never `| undefined`.
 */
import type { SwarmExtraMethods } from "../swarm/extras.js";
import type { DockerApi } from "../api.js";
import type { AttachSession } from "../attach/session.js";
import type { HijackedConnection } from "../attach/hijack.js";
import type { ByteSink, ByteSource } from "../attach/io.js";
import type { TtySize } from "../attach/resize.js";
import type { BodyInput } from "../body.js";
import type { ByteStreamOperation } from "../client/download.js";
import type { ProgressOperation } from "../client/progress.js";
import type { AuthConfiguration } from "../client/types.js";
import type { EventsOptions } from "../events/monitor.js";
import type { EventItem } from "../events/subscription.js";
import type { ExecSession } from "../exec/session.js";
import type { ContainerLogStream } from "../logs/log-stream.js";
import type { ProgressResult } from "../progress/fold.js";
import type { DockerFilters } from "../versions/filters.js";

/** How the runtime treats an operation (the overlay's `x-berth-kinds`; `json` when it names none). */
export type MethodKind = "json" | "progress" | "bytes" | "hijack" | "logs" | "events" | "wait" | "json-stream" | "upgrade";

/** A parameter as the table lists it: its name, or `[option name, API name]` when renamed. */
export type ParamSpec = string | readonly [option: string, wire: string];

/** One entry of a generated method table. */
export interface MethodEntry {
  /** The operationId. */
  readonly op: string;
  readonly method: string;
  /** The path template, e.g. `/containers/{id}/json`. */
  readonly path: string;
  readonly pathParams?: readonly ParamSpec[];
  readonly query?: readonly ParamSpec[];
  readonly header?: readonly ParamSpec[];
  /** How the request body is sent: JSON, or bytes (`BodyInput`). */
  readonly body?: "json" | "binary";
  /** What a successful answer holds. */
  readonly response: "json" | "text" | "binary" | "none";
  /** The component schema a JSON answer is (`Volume`) or an array of (`Network[]`): its validator checks the answer. */
  readonly schema?: string;
  readonly kind: MethodKind;
  /** What else the body may be: a tar made from `{ directory }` / `{ files }`, or a build context. */
  readonly input?: "tar" | "build-context";
  /** Methods added beside this one (`waitHealthy` on container inspect). */
  readonly extra?: readonly string[];
}

/** A generated method table: groups of named entries. */
export type MethodTable = { readonly [group: string]: { readonly [name: string]: MethodEntry } };

/** What `createDocker` takes: a generated `definition` (from `generated/v<X.Y>/methods.ts`). */
export interface VersionDefinition {
  readonly apiVersion: string;
  readonly methods: MethodTable;
  /** The version's generated validators (`validate<Schema>`), for the entries that name a `schema`. */
  readonly validators?: { readonly [name: string]: unknown };
  /** Types only (the generated `operations` and `paths`); never set at run time. */
  readonly types?: { operations: object; paths: object };
}

/** `{}` when `T` is `never` (openapi-typescript writes `header?: never` for "no header parameters"). */
type OrEmpty<T> = [T] extends [never] ? {} : T;

/** The parameters of `Op` that go `In`. */
type ParamsIn<Op, In extends "path" | "query" | "header"> = Op extends { parameters: infer P }
  ? P extends { [K in In]?: infer Q }
    ? OrEmpty<NonNullable<Q>>
    : {}
  : {};

/** The option name of a parameter: `signal` and `body` are the call's own, so they get the `In` prefix. */
export type RenamedKey<K, In extends string> = K extends "signal" | "body" ? `${In}${Capitalize<K>}` : K;

/**
 * One group of parameters as options. Two conveniences over the wire types: `filters` (a JSON
 * string on the wire) also takes the filters object, and the registry credential headers take
 * the credentials themselves (berth encodes both).
 */
type ParamOptions<Op, In extends "path" | "query" | "header", P = ParamsIn<Op, In>> = {
  [K in keyof P as RenamedKey<K, In>]: K extends "filters"
    ? P[K] | DockerFilters
    : K extends "X-Registry-Auth"
      ? P[K] | AuthConfiguration
      : K extends "X-Registry-Config"
        ? P[K] | Record<string, AuthConfiguration>
        : P[K];
};

/** What a tar input accepts besides the archive itself. */
export type TarInput =
  /** A directory on disk, archived with its contents at the root (Node, Bun and Deno with file access). */
  | { directory: string; exclude?: readonly string[] | undefined }
  /** Files by path inside the archive, with their contents. */
  | { files: Readonly<Record<string, string | Uint8Array>> };

/** A build context: a directory `docker build` would send, honouring its `.dockerignore`. */
export interface BuildContextInput {
  directory: string;
  /** Patterns excluded on top of the `.dockerignore`'s. */
  exclude?: readonly string[] | undefined;
  /** The ignore file (default `.dockerignore` in the directory). */
  ignoreFile?: string | undefined;
}

type JsonContent<C> = C extends { "application/json": infer T } ? T : C extends { [type: string]: infer T } ? T : unknown;

/** The request body option of entry `E` of `Op`. */
type BodyValue<C, E extends MethodEntry> =
  | (E["body"] extends "json" ? JsonContent<C> : BodyInput)
  | (E["input"] extends "tar" ? TarInput : never)
  | (E["input"] extends "build-context" ? BuildContextInput : never);

type BodyOptions<Op, E extends MethodEntry> = Op extends { requestBody?: infer B }
  ? [NonNullable<B>] extends [never]
    ? {}
    : NonNullable<B> extends { content: infer C }
      ? Op extends { requestBody: {} }
        ? { body: BodyValue<C, E> }
        : { body?: BodyValue<C, E> | undefined }
      : {}
  : {};

/** What every method takes. */
export interface CallOptions {
  /** Aborts the call and, for streams and sessions, what it opened (`DockerAbortError`). */
  signal?: AbortSignal | undefined;
}

/** The stream options of hijacked sessions (attach, exec start): see `AttachOptions`. */
export interface SessionOptions {
  /** Whether the container or exec has a TTY; asked from the daemon when omitted and it matters. */
  tty?: boolean | undefined;
  /** Receives stdout (everything, with a TTY). */
  outputStream?: ByteSink | undefined;
  /** Receives stderr. */
  errorStream?: ByteSink | undefined;
  /** Copied to stdin; its end half-closes the connection. */
  inputStream?: ByteSource | undefined;
  /** Bytes each side of the stdout/stderr split may queue (default 1 MiB). */
  highWaterMark?: number | undefined;
  /** Largest frame a header may declare (default 64 MiB). */
  maxFrameBytes?: number | undefined;
  /** Initial TTY size of an exec (API 1.42+). */
  consoleSize?: TtySize | undefined;
}

/** The log options beyond the query: see `ContainerLogsOptions`. */
export interface LogOptions {
  tty?: boolean | undefined;
  highWaterMark?: number | undefined;
  maxFrameBytes?: number | undefined;
}

/** Options of `containers.waitHealthy`. */
export interface WaitHealthyOptions extends CallOptions {
  /** Container id or name. */
  id: string;
  /** Give up after this many milliseconds (default 60 000) with `DockerWaitError`. */
  timeoutMs?: number | undefined;
  /** Milliseconds between inspections (default 250). */
  intervalMs?: number | undefined;
}

/** Extra options a kind adds. */
type KindOptions<K extends MethodKind> = K extends "hijack" ? SessionOptions : K extends "logs" ? LogOptions : {};

/** The options object of entry `E` of `Op`. */
export type OptionsOf<Op, E extends MethodEntry> = E["kind"] extends "events"
  ? EventsOptions
  : ParamOptions<Op, "path"> &
      ParamOptions<Op, "query"> &
      ParamOptions<Op, "header"> &
      BodyOptions<Op, E> &
      KindOptions<E["kind"]> &
      CallOptions;

/** The methods' argument list: the options, optional when nothing in them is required. */
export type ArgsOf<Op, E extends MethodEntry> = {} extends OptionsOf<Op, E> ? [options?: OptionsOf<Op, E>] : [options: OptionsOf<Op, E>];

type Success<R> = R[keyof R & (200 | 201 | 202 | 204)];

/** The JSON of `Op`'s success answer. */
export type JsonResultOf<Op> = Op extends { responses: infer R }
  ? Success<R> extends infer S
    ? S extends { content: infer C }
      ? C extends { "application/json": infer T }
        ? T
        : never
      : never
    : never
  : never;

type OrUnknown<T> = [T] extends [never] ? unknown : T;

/** A plain call's answer. */
type PlainResult<Op, E extends MethodEntry> = E["method"] extends "HEAD"
  ? Headers
  : E["response"] extends "json"
    ? OrUnknown<JsonResultOf<Op>>
    : E["response"] extends "text"
      ? string
      : E["response"] extends "binary"
        ? ReadableStream<Uint8Array>
        : void;

/** What a method of entry `E` returns. */
export type ResultOf<Op, E extends MethodEntry> = E["kind"] extends "progress"
  ? ProgressOperation<ProgressResult>
  : E["kind"] extends "bytes"
    ? ByteStreamOperation
    : E["kind"] extends "hijack"
      ? Promise<E["op"] extends "ExecStart" ? ExecSession : AttachSession>
      : E["kind"] extends "logs"
        ? Promise<ContainerLogStream>
        : E["kind"] extends "events"
          ? AsyncIterableIterator<EventItem>
          : E["kind"] extends "json-stream"
            ? AsyncIterableIterator<OrUnknown<JsonResultOf<Op>>>
            : E["kind"] extends "upgrade"
              ? Promise<HijackedConnection>
              : Promise<PlainResult<Op, E>>;

/** One typed method. */
export type MethodOf<Ops, E> = E extends MethodEntry
  ? E["op"] extends keyof Ops
    ? (...args: ArgsOf<Ops[E["op"]], E>) => ResultOf<Ops[E["op"]], E>
    : never
  : never;

/** The extra methods an entry adds. */
type ExtrasOf<Ops, G> = {
  readonly [N in keyof G as G[N] extends { extra: readonly (infer X)[] } ? X & string : never]: G[N] extends MethodEntry
    ? G[N]["op"] extends keyof Ops
      ? ExtraMethod<N & string, G[N] extends { extra: readonly (infer X)[] } ? X & string : never, Ops[G[N]["op"]]>
      : never
    : never;
};

/** An extra method's type: `waitHealthy`, or a swarm extra (src/swarm/extras.ts). */
type ExtraMethod<_N, X, Op> = X extends keyof SwarmExtraMethods
  ? SwarmExtraMethods[X]
  : (options: WaitHealthyOptions) => Promise<OrUnknown<JsonResultOf<Op>>>;

type OperationsOf<D extends VersionDefinition> = NonNullable<D["types"]>["operations"];
/** The generated `paths` of a definition. */
export type DefinitionPaths<D extends VersionDefinition> = NonNullable<D["types"]>["paths"];

/** The groups of methods of a definition: `docker.containers.create(...)`. */
export type MethodGroups<D extends VersionDefinition> = {
  readonly [G in keyof D["methods"]]: { readonly [N in keyof D["methods"][G]]: MethodOf<OperationsOf<D>, D["methods"][G][N]> } & ExtrasOf<
    OperationsOf<D>,
    D["methods"][G]
  >;
};

/** What every generic client has besides its groups. */
export interface DockerBase<Paths extends {}> {
  /** The API version the client's types describe (the one negotiation aims for). */
  readonly typedVersion: string;
  /**
   * The low-level client underneath: raw typed calls (`core.api.GET(...)`) and what every other
   * berth function takes (`attachToContainer(docker.core, ...)`, `new DockerClient` over it).
   */
  readonly core: DockerApi<Paths>;
  /** The API version in use, negotiated on the first call unless pinned. */
  apiVersion(signal?: AbortSignal): Promise<string>;
  /** Stops event streams and releases pooled connections. */
  close(): Promise<void>;
  /** `await using docker = createDocker(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A generic client of one API version. */
export type Docker<D extends VersionDefinition> = MethodGroups<D> & DockerBase<DefinitionPaths<D> & {}>;
