/**
 * Container calls of the Go client (and the v1.10 `top`), each a function of a
 * `ClientContext` and one options object. `DockerClient` exposes them as methods.
 */
import { InvalidOptionError, NoSuchContainerError } from "../errors.js";
import { compareApiVersions } from "../version.js";
import {
  COMMIT_COMMENT_SINCE,
  CONTAINER_FILTERS_SINCE,
  START_BODY_REMOVED_IN,
  startAtVersion,
  startBodyVersion,
  useArchiveEndpoint,
} from "./compat.js";
import { laterApi, parseJsonBody, withSignal, type CallOptions, type ClientContext } from "./context.js";
import { ByteStreamOperation, emptyStream } from "./download.js";
import { NoSuchPathError } from "./errors.js";
import {
  normalizeChanges,
  normalizeCommitResult,
  normalizeContainer,
  normalizeContainerList,
  normalizeCreateResult,
  normalizeTop,
  normalizeWaitResult,
} from "./normalize.js";
import { checkPortSpecs } from "./ports.js";
import { signalNumber, type SignalInput } from "./signals.js";
import type {
  APIContainers,
  Change,
  Container,
  ContainerCommitResult,
  ContainerConfig,
  ContainerCreateResult,
  ContainerTop,
  CreateContainerConfig,
  HostConfig,
} from "./types.js";
import { optionalContainerName, optionalCount, requireId, requireText } from "./validate.js";

/** A call about one container. */
export interface ContainerOptions extends CallOptions {
  /** Container id (full or short) or name. */
  id: string;
}

/** Options of `listContainers` (Go `ListContainersOptions`). */
export interface ListContainersOptions extends CallOptions {
  /** Include stopped containers (`all`). */
  all?: boolean | undefined;
  /** Only the `limit` most recently created containers (`limit`). */
  limit?: number | undefined;
  /** Only containers created after this one (`since`). */
  since?: string | undefined;
  /** Only containers created before this one (`before`). */
  before?: string | undefined;
  /** Fill in `SizeRw` / `SizeRootFs` (`size`). */
  size?: boolean | undefined;
}

/** Lists containers. Go `ListContainers`. */
export async function listContainers(context: ClientContext, options: ListContainersOptions = {}): Promise<APIContainers[]> {
  const limit = optionalCount(options.limit, "limit");
  const since = options.since === undefined ? undefined : requireId(options.since, "since");
  const before = options.before === undefined ? undefined : requireId(options.before, "before");
  const query: Record<string, unknown> = { all: options.all, limit, size: options.size, since, before };
  if ((since || before) && compareApiVersions(await context.docker.apiVersion(options.signal), CONTAINER_FILTERS_SINCE) >= 0) {
    // Newer daemons ignore the plain parameters and read these; older ones ignore unknown filters.
    query["filters"] = { ...(since ? { since: [since] } : {}), ...(before ? { before: [before] } : {}) };
  }
  const { data } = await context.docker.api.GET("/containers/json", {
    params: { query: query as { all?: boolean } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: "/containers/json" };
  return normalizeContainerList(parseJsonBody(data, request), request, context.docker.validation);
}

/** Options of `createContainer` (Go `CreateContainerOptions`). */
export interface CreateContainerOptions extends CallOptions {
  /** Name for the container (`name`). */
  name?: string | undefined;
  /** The configuration; `Image` is required. */
  config: CreateContainerConfig;
  /**
   * Host configuration, sent in the create body (honoured by daemons from API 1.12 on at every
   * requested version; a v1.10 daemon ignores it, and `startContainer` can still apply it).
   */
  hostConfig?: HostConfig | undefined;
}

/** Creates a container. Go `CreateContainer`; the answer is `{Id, Warnings}`. */
export async function createContainer(context: ClientContext, options: CreateContainerOptions): Promise<ContainerCreateResult> {
  const name = optionalContainerName(options.name);
  const config = options.config as ContainerConfig | undefined;
  if (typeof config !== "object" || config === null) {
    throw new InvalidOptionError("config", "must be a container configuration naming its Image");
  }
  requireText(config.Image, "config.Image", "the image to create the container from");
  checkPortSpecs(config.ExposedPorts, options.hostConfig);
  const body = createBody(options.config, options.hostConfig);
  const { data } = await context.docker.api.POST("/containers/create", {
    params: { query: name === undefined ? {} : { name } },
    body: body as CreateContainerConfig,
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "POST", path: "/containers/create" };
  return normalizeCreateResult(parseJsonBody(data, request), request, context.docker.validation);
}

/**
 * The create body: the configuration with `HostConfig` inside it. The v1.9 places of `Dns`
 * and `VolumesFrom` (in Config) move to HostConfig, where every later version reads them.
 */
function createBody(config: CreateContainerConfig, hostConfig: HostConfig | undefined): Record<string, unknown> {
  const { Dns, VolumesFrom, ...rest } = config;
  const host: Record<string, unknown> = { ...hostConfig };
  if (Dns && host["Dns"] === undefined) host["Dns"] = Dns;
  if (typeof VolumesFrom === "string" && VolumesFrom !== "" && host["VolumesFrom"] === undefined) host["VolumesFrom"] = [VolumesFrom];
  return Object.keys(host).length > 0 ? { ...rest, HostConfig: host } : rest;
}

/** Inspects a container. Go `InspectContainer`. */
export async function inspectContainer(context: ClientContext, options: ContainerOptions): Promise<Container> {
  const id = requireId(options.id, "id");
  const { data } = await context.docker.api.GET("/containers/{id}/json", {
    params: { path: { id } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: `/containers/${id}/json` };
  return normalizeContainer(parseJsonBody(data, request), request, context.docker.validation);
}

/** Options of `startContainer`. */
export interface StartContainerOptions extends ContainerOptions {
  /**
   * Host configuration to apply at start (Go `StartContainer(id, hostConfig)`). Its fields
   * are laid over the container's current host configuration. From API 1.24 the start
   * endpoint refuses it; berth then sends this start at API 1.23 (see docs/api-versions.md).
   */
  hostConfig?: HostConfig | undefined;
}

/** Starts a container. Go `StartContainer`. Starting a running container is not an error. */
export async function startContainer(context: ClientContext, options: StartContainerOptions): Promise<void> {
  const id = requireId(options.id, "id");
  const hostConfig = options.hostConfig;
  if (hostConfig !== undefined && (typeof hostConfig !== "object" || hostConfig === null)) {
    throw new InvalidOptionError("hostConfig", "must be an object");
  }
  checkPortSpecs(undefined, hostConfig);
  if (hostConfig === undefined || Object.keys(hostConfig).length === 0) {
    await context.docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text", ...withSignal(options.signal) });
    return;
  }
  const version = await context.docker.apiVersion(options.signal);
  // Checked first: a daemon that cannot take the body anywhere is refused before any change.
  const target = await startBodyVersion(context, version, options.signal);
  // A start body replaces the whole host configuration; lay the caller's fields over the
  // current one so that what create set (NetworkMode, ...) survives, at every version.
  const current = await inspectContainer(context, { id, signal: options.signal });
  const merged: HostConfig = { ...current.HostConfig, ...hostConfig };
  if (compareApiVersions(version, START_BODY_REMOVED_IN) < 0) {
    await context.docker.api.POST("/containers/{id}/start", {
      params: { path: { id } },
      body: merged,
      parseAs: "text",
      ...withSignal(options.signal),
    });
    return;
  }
  await startAtVersion(context, target, id, merged, options.signal);
}

/** Options of `stopContainer` and `restartContainer`. */
export interface StopContainerOptions extends ContainerOptions {
  /** Seconds to wait before killing the container (`t`). */
  timeout?: number | undefined;
}

/** Stops a container, killing it after `timeout` seconds. Go `StopContainer`. Stopping a stopped container is not an error. */
export async function stopContainer(context: ClientContext, options: StopContainerOptions): Promise<void> {
  const id = requireId(options.id, "id");
  const t = optionalCount(options.timeout, "timeout");
  await context.docker.api.POST("/containers/{id}/stop", {
    params: { path: { id }, query: t === undefined ? {} : { t } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
}

/** Restarts a container. Go `RestartContainer`. */
export async function restartContainer(context: ClientContext, options: StopContainerOptions): Promise<void> {
  const id = requireId(options.id, "id");
  const t = optionalCount(options.timeout, "timeout");
  await context.docker.api.POST("/containers/{id}/restart", {
    params: { path: { id }, query: t === undefined ? {} : { t } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
}

/** Options of `killContainer` (Go `KillContainerOptions`). */
export interface KillContainerOptions extends ContainerOptions {
  /**
   * The signal to send (Go `Signal`): a number or a name (`"SIGHUP"`, `"HUP"`, `Signal.SIGHUP`).
   * The daemon sends SIGKILL without one. Named `killSignal` because `signal` is, as in every
   * call, the AbortSignal.
   */
  killSignal?: SignalInput | undefined;
}

/** Sends a signal to a container. Go `KillContainer`. */
export async function killContainer(context: ClientContext, options: KillContainerOptions): Promise<void> {
  const id = requireId(options.id, "id");
  const signal = options.killSignal === undefined ? undefined : signalNumber(options.killSignal);
  await context.docker.api.POST("/containers/{id}/kill", {
    params: { path: { id }, query: signal === undefined ? {} : { signal } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
}

/** Options of `removeContainer` (Go `RemoveContainerOptions`). */
export interface RemoveContainerOptions extends ContainerOptions {
  /** Also remove the container's volumes (`v`; Go `RemoveVolumes`). */
  removeVolumes?: boolean | undefined;
  /** Remove it even if it is running (`force`). */
  force?: boolean | undefined;
}

/** Removes a container. Go `RemoveContainer`. */
export async function removeContainer(context: ClientContext, options: RemoveContainerOptions): Promise<void> {
  const id = requireId(options.id, "id");
  await context.docker.api.DELETE("/containers/{id}", {
    params: { path: { id }, query: { v: options.removeVolumes, force: options.force } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
}

/** Waits until a container stops and returns its exit code. Go `WaitContainer`. */
export async function waitContainer(context: ClientContext, options: ContainerOptions): Promise<number> {
  const id = requireId(options.id, "id");
  const { data } = await context.docker.api.POST("/containers/{id}/wait", {
    params: { path: { id } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "POST", path: `/containers/${id}/wait` };
  return normalizeWaitResult(parseJsonBody(data, request), request, context.docker.validation);
}

/** The changed paths of a container's filesystem. Go `ContainerChanges`. */
export async function containerChanges(context: ClientContext, options: ContainerOptions): Promise<Change[]> {
  const id = requireId(options.id, "id");
  const { data } = await context.docker.api.GET("/containers/{id}/changes", {
    params: { path: { id } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: `/containers/${id}/changes` };
  return normalizeChanges(parseJsonBody(data, request) ?? null, request, context.docker.validation);
}

/** Options of `topContainer`. */
export interface TopContainerOptions extends ContainerOptions {
  /** Arguments for `ps` (`ps_args`), e.g. `"aux"`. */
  psArgs?: string | undefined;
}

/** The processes running in a container (v1.10 `GET /containers/{id}/top`; not in the Go client). */
export async function topContainer(context: ClientContext, options: TopContainerOptions): Promise<ContainerTop> {
  const id = requireId(options.id, "id");
  const { data } = await context.docker.api.GET("/containers/{id}/top", {
    params: { path: { id }, query: options.psArgs === undefined ? {} : { ps_args: options.psArgs } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: `/containers/${id}/top` };
  return normalizeTop(parseJsonBody(data, request), request, context.docker.validation);
}

/**
 * The container's filesystem as a tar archive. Go `ExportContainer` (which wrote into an
 * `OutputStream`): here the archive is returned as a stream, see `ByteStreamOperation`.
 */
export function exportContainer(context: ClientContext, options: ContainerOptions): ByteStreamOperation {
  return new ByteStreamOperation(async () => {
    const id = requireId(options.id, "id");
    const { data } = await context.docker.api.GET("/containers/{id}/export", {
      params: { path: { id } },
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    return data ?? emptyStream();
  }, options.signal);
}

/** Options of `copyFromContainer` (Go `CopyFromContainerOptions`). */
export interface CopyFromContainerOptions extends ContainerOptions {
  /** Path of the file or folder inside the container (Go `Resource`). */
  resource: string;
}

/**
 * A file or folder of a container as a tar archive. Go `CopyFromContainer`. Uses
 * `GET /containers/{id}/archive` whenever the daemon has it, `POST /containers/{id}/copy`
 * only on daemons older than API 1.20 (see compat.ts).
 * @throws NoSuchPathError (when the stream is opened) if the container has no such path.
 */
export function copyFromContainer(context: ClientContext, options: CopyFromContainerOptions): ByteStreamOperation {
  return new ByteStreamOperation(async () => {
    const id = requireId(options.id, "id");
    const resource = requireText(options.resource, "resource", "a path inside the container");
    try {
      if (await useArchiveEndpoint(context, options.signal)) {
        const { data } = await laterApi(context).GET("/containers/{id}/archive", {
          params: { path: { id }, query: { path: resource } },
          parseAs: "stream",
          ...withSignal(options.signal),
        });
        return (data as ReadableStream<Uint8Array> | null | undefined) ?? emptyStream();
      }
      const { data } = await context.docker.api.POST("/containers/{id}/copy", {
        params: { path: { id } },
        body: { Resource: resource },
        parseAs: "stream",
        ...withSignal(options.signal),
      });
      return data ?? emptyStream();
    } catch (error) {
      // Both endpoints answer 404 for a missing path too; the message tells which.
      if (error instanceof NoSuchContainerError && !/no such container/i.test(error.daemonMessage)) {
        throw new NoSuchPathError(id, resource, error.daemonMessage, {
          cause: error,
          ...(error.request ? { request: error.request } : {}),
        });
      }
      throw error;
    }
  }, options.signal);
}

/** Options of `commitContainer` (Go `CommitContainerOptions`). */
export interface CommitContainerOptions extends CallOptions {
  /** The container to commit (Go `Container`). */
  container: string;
  /** Repository of the new image (`repo`). */
  repository?: string | undefined;
  tag?: string | undefined;
  /** Commit message (`m` up to API 1.11, `comment` from 1.12). */
  message?: string | undefined;
  author?: string | undefined;
  /** Configuration applied when the image is run (Go `Run`), sent as the request body. */
  run?: ContainerConfig | undefined;
}

/** Creates an image from a container. Go `CommitContainer`; the answer is the new image's `{Id}`. */
export async function commitContainer(context: ClientContext, options: CommitContainerOptions): Promise<ContainerCommitResult> {
  const container = requireId(options.container, "container");
  if (options.tag !== undefined && options.repository === undefined) throw new InvalidOptionError("tag", "needs a repository");
  const query: Record<string, unknown> = { container, repo: options.repository, tag: options.tag, author: options.author };
  if (options.message !== undefined) {
    const newer = compareApiVersions(await context.docker.apiVersion(options.signal), COMMIT_COMMENT_SINCE) >= 0;
    query[newer ? "comment" : "m"] = options.message;
  }
  const { data } = await context.docker.api.POST("/commit", {
    params: { query: query as { container: string } },
    // The Go client sends `run` as the body; every daemon reads it there (the documented `run`
    // query parameter is ignored by newer daemons).
    ...(options.run !== undefined ? { body: options.run } : {}),
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "POST", path: "/commit" };
  return normalizeCommitResult(parseJsonBody(data, request), request, context.docker.validation);
}
