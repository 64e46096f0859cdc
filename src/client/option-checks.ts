/**
 * The shape every `DockerClient` method's options must have, checked before anything is built
 * or sent (issue 16 item 7). TypeScript callers get these from the types; plain JavaScript
 * callers got a bare `TypeError` (no options object, a Symbol in a template literal, a BigInt
 * in `JSON.stringify`) or, worse, a coerced value on the wire (`{}` as `[object Object]`, `true`
 * as `1`). Each wrong type is now an `InvalidOptionError` naming the option.
 *
 * One table per method: the kind of each option the method reads. Options a method checks
 * itself (ids with `requireId`, bodies, signals to kill with, log times) are `"own"`. Unknown
 * keys are let through, as the types let extra properties through object spreads.
 */
import { InvalidOptionError, describeValue } from "../errors.js";
import { checkJsonValue, checkSignal } from "./validate.js";

/**
 * `string`, `boolean`, `count` (integer ≥ 0), `json` (a plain object sent as JSON),
 * `function`, `object` (any non-null object, the callee checks the rest), `own` (the method
 * checks it).
 */
type Kind = "string" | "boolean" | "count" | "json" | "function" | "object" | "own";

const ID = { id: "own" } as const;
const IMAGE = { name: "own" } as const;
const ATTACH_FLAGS = { stdout: "boolean", stderr: "boolean", tty: "boolean", highWaterMark: "count", maxFrameBytes: "count" } as const;
const LISTENER = { filters: "object", queueSize: "count", onState: "function" } as const;

/** The options of each method; `required` when the method cannot be called without an options object. */
const METHODS = {
  apiVersion: { kinds: {}, required: false },
  listContainers: { kinds: { all: "boolean", limit: "count", since: "string", before: "string", size: "boolean" }, required: false },
  createContainer: { kinds: { name: "string", config: "json", hostConfig: "json" }, required: true },
  inspectContainer: { kinds: ID, required: true },
  startContainer: { kinds: { ...ID, hostConfig: "json" }, required: true },
  stopContainer: { kinds: { ...ID, timeout: "count" }, required: true },
  restartContainer: { kinds: { ...ID, timeout: "count" }, required: true },
  killContainer: { kinds: { ...ID, killSignal: "own" }, required: true },
  removeContainer: { kinds: { ...ID, removeVolumes: "boolean", force: "boolean" }, required: true },
  waitContainer: { kinds: ID, required: true },
  containerChanges: { kinds: ID, required: true },
  topContainer: { kinds: { ...ID, psArgs: "string" }, required: true },
  exportContainer: { kinds: ID, required: true },
  copyFromContainer: { kinds: { ...ID, resource: "string" }, required: true },
  commitContainer: {
    kinds: { container: "own", repository: "string", tag: "string", message: "string", author: "string", run: "json" },
    required: true,
  },
  resizeContainerTTY: { kinds: { ...ID, height: "count", width: "count" }, required: true },
  listImages: { kinds: { all: "boolean" }, required: false },
  inspectImage: { kinds: IMAGE, required: true },
  removeImage: { kinds: { ...IMAGE, force: "boolean", noPrune: "boolean" }, required: true },
  tagImage: { kinds: { ...IMAGE, repo: "string", tag: "string", force: "boolean" }, required: true },
  buildImage: {
    kinds: {
      context: "own",
      remote: "string",
      name: "string",
      dockerfile: "string",
      noCache: "boolean",
      quiet: "boolean",
      rmTmpContainer: "boolean",
      forceRmTmpContainer: "boolean",
      registryConfig: "json",
    },
    required: true,
  },
  pullImage: { kinds: { repository: "own", tag: "string", allTags: "boolean", registry: "string", auth: "json" }, required: true },
  pushImage: { kinds: { name: "own", tag: "string", registry: "string", auth: "json" }, required: true },
  importImage: { kinds: { url: "string", input: "own", repository: "string", tag: "string" }, required: true },
  imageHistory: { kinds: IMAGE, required: true },
  searchImages: { kinds: { term: "string" }, required: true },
  exportImage: { kinds: IMAGE, required: true },
  loadImage: { kinds: { input: "own" }, required: true },
  info: { kinds: {}, required: false },
  version: { kinds: {}, required: false },
  ping: { kinds: {}, required: false },
  checkAuth: { kinds: { auth: "json" }, required: true },
  attachToContainer: {
    kinds: { container: "own", logs: "boolean", stream: "boolean", stdin: "boolean", detachKeys: "string", ...ATTACH_FLAGS },
    required: true,
  },
  containerLogs: {
    kinds: { container: "own", follow: "boolean", timestamps: "boolean", since: "own", until: "own", tail: "own", ...ATTACH_FLAGS },
    required: true,
  },
  addEventListener: { kinds: LISTENER, required: false },
  events: { kinds: { ...LISTENER, since: "own", until: "own" }, required: false },
  onEvent: { kinds: LISTENER, required: false },
} satisfies Record<string, { kinds: Record<string, Kind>; required: boolean }>;

/** A `DockerClient` method whose options are checked. */
export type CheckedMethod = keyof typeof METHODS;

/**
 * Returns `options` after checking it against `method`'s table: an object (or, for methods
 * that need none, `undefined`), a `signal` that is an `AbortSignal`, and each option of the
 * table of its kind. @throws InvalidOptionError naming the first wrong option.
 */
export function checkOptions<T>(method: CheckedMethod, options: T): T {
  const { kinds, required } = METHODS[method];
  if (options === undefined && !required) return options;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError("options", `${method}() takes an options object, got ${describeValue(options)}`);
  }
  const record = options as Record<string, unknown>;
  checkSignal(record["signal"]);
  for (const [key, kind] of Object.entries(kinds as Record<string, Kind>)) {
    const value = record[key];
    if (value !== undefined) checkKind(key, kind, value);
  }
  return options;
}

/** Checks a listener callback (`addEventListener`, `onEvent`). */
export function checkCallback(value: unknown, option: string): void {
  if (typeof value !== "function") throw new InvalidOptionError(option, `must be a function, got ${describeValue(value)}`);
}

function checkKind(option: string, kind: Kind, value: unknown): void {
  switch (kind) {
    case "string":
      if (typeof value !== "string") throw new InvalidOptionError(option, `must be a string, got ${describeValue(value)}`);
      return;
    case "boolean":
      if (typeof value !== "boolean") throw new InvalidOptionError(option, `must be true or false, got ${describeValue(value)}`);
      return;
    case "count":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw new InvalidOptionError(option, `must be an integer of 0 or more, got ${describeValue(value)}`);
      }
      return;
    case "json":
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InvalidOptionError(option, `must be an object, got ${describeValue(value)}`);
      }
      checkJsonValue(value, option);
      return;
    case "function":
      checkCallback(value, option);
      return;
    case "object":
      if (typeof value !== "object" || value === null)
        throw new InvalidOptionError(option, `must be an object, got ${describeValue(value)}`);
      return;
    case "own":
      return;
  }
}
