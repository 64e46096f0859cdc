/**
 * `DockerClient`: every method of the Go client's `Client` (go-dockerclient, API v1.9–v1.10)
 * plus the documented v1.9–v1.11 endpoints it lacked, over berth's typed low-level API.
 *
 * Each method is a one-line delegation to a function of a `ClientContext` (containers.ts,
 * images.ts, system.ts), so a feature is added by writing such a function and one method.
 * Every method takes one options object with an optional `signal`.
 *
 * Streaming methods return operations instead of writing into Go-style output streams:
 * `ProgressOperation` (build, pull, push, import, load: iterate the typed progress messages,
 * `await` the result) and `ByteStreamOperation` (export, copy, image get: a tar stream read at
 * the caller's pace, with `bytes()` / `pipeTo()` conveniences).
 */
import type { StrictClient } from "../versions/strict-client.js";
import { createDockerApi, type ConnectionOptions, type DockerApi } from "../api.js";
import { checkConnectionOptions } from "../connection-options.js";
import { attachToContainer, type AttachOptions } from "../attach/attach.js";
import type { AttachSession } from "../attach/session.js";
import { resizeContainerTTY } from "../attach/resize.js";
import {
  eventMonitor,
  events,
  onEvent,
  type EventItem,
  type EventListener,
  type EventsOptions,
  type ListenerOptions,
} from "../events/index.js";
import { containerLogs, type ContainerLogsOptions } from "../logs/logs.js";
import type { ContainerLogStream } from "../logs/log-stream.js";
import { createClientContext, type CallOptions, type ClientContext } from "./context.js";
import * as containers from "./containers.js";
import type { ByteStreamOperation } from "./download.js";
import * as streams from "./image-streams.js";
import * as images from "./images.js";
import type { ProgressOperation } from "./progress.js";
import * as system from "./system.js";
import type {
  APIContainers,
  APIImages,
  AuthCheckResult,
  Change,
  Container,
  ContainerCommitResult,
  ContainerCreateResult,
  ContainerTop,
  DockerInfo,
  DockerPaths,
  DockerVersion,
  Image,
  ImageDeleteResponseItem,
  ImageHistoryEntry,
  ImageSearchResult,
} from "./types.js";
import { checkCallback, checkOptions, type CheckedMethod } from "./option-checks.js";
import { requireId } from "./validate.js";

/** The API version the client's types describe; negotiation aims for it (and a daemon's minimum above it wins). */
export const CLIENT_API_VERSION = "1.10";

/** Options of `resizeContainerTTY`. */
export interface ResizeContainerTTYOptions extends containers.ContainerOptions {
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

/** How `DockerClient.over` hands its core to the constructor (not an option users can set). */
const SHARED_CORE = Symbol("berth.sharedCore");

/** A Docker client with the Go client's methods. See the file comment. */
export class DockerClient {
  /** The typed low-level client (openapi-fetch over the v1.10 paths) for calls the methods do not cover. */
  readonly api: StrictClient<DockerPaths>;
  /** The connection machinery: transport, negotiated API version, versioned paths. */
  readonly docker: DockerApi<DockerPaths>;
  /** What the method implementations share; pass it to functions that extend the client. */
  readonly context: ClientContext;

  constructor(options: ConnectionOptions = {}) {
    // A shared core was checked when it was made; otherwise check before the spread below, which
    // would turn a string into an object of its characters.
    const shared = (options as { [SHARED_CORE]?: DockerApi<any> } | undefined)?.[SHARED_CORE];
    if (shared === undefined) checkConnectionOptions(options);
    this.docker = shared ?? createDockerApi<DockerPaths>({ ...options, preferredVersion: CLIENT_API_VERSION });
    this.api = this.docker.api;
    this.context = createClientContext(this.docker);
  }

  /**
   * A `DockerClient` over the low-level client of a generic client (`createDockerV141()`, any
   * `createDocker(definition)`): the same connection pool, negotiated API version, lifetime and
   * errors, so a program moving to the generic client keeps its `DockerClient` calls without a
   * second connection. Closing either closes both.
   * @example
   * const docker = createDockerV141();
   * const legacy = DockerClient.over(docker);
   * await legacy.listContainers({ all: true });
   */
  static over(generic: { readonly core: DockerApi<any> }): DockerClient {
    return new DockerClient({ [SHARED_CORE]: generic.core } as ConnectionOptions);
  }

  /** The API version in use (negotiated on first use unless `apiVersion` was given). */
  apiVersion(options?: CallOptions): Promise<string> {
    return checkedCall("apiVersion", options, (checked) => this.docker.apiVersion(checked?.signal));
  }

  /** Releases pooled connections. */
  close(): Promise<void> {
    return this.docker.close();
  }

  /** `await using docker = new DockerClient()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------------- containers

  /** Lists containers. Go `ListContainers`. */
  listContainers(options?: containers.ListContainersOptions): Promise<APIContainers[]> {
    return checkedCall("listContainers", options, (checked) => containers.listContainers(this.context, checked));
  }

  /** Creates a container (`{config, hostConfig, name}`). Go `CreateContainer`. */
  createContainer(options: containers.CreateContainerOptions): Promise<ContainerCreateResult> {
    return checkedCall("createContainer", options, (checked) => containers.createContainer(this.context, checked));
  }

  /** Inspects a container. Go `InspectContainer`. */
  inspectContainer(options: containers.ContainerOptions): Promise<Container> {
    return checkedCall("inspectContainer", options, (checked) => containers.inspectContainer(this.context, checked));
  }

  /** Starts a container, optionally with a host configuration. Go `StartContainer`. */
  startContainer(options: containers.StartContainerOptions): Promise<void> {
    return checkedCall("startContainer", options, (checked) => containers.startContainer(this.context, checked));
  }

  /** Stops a container (`timeout` seconds before killing it). Go `StopContainer`. */
  stopContainer(options: containers.StopContainerOptions): Promise<void> {
    return checkedCall("stopContainer", options, (checked) => containers.stopContainer(this.context, checked));
  }

  /** Restarts a container. Go `RestartContainer`. */
  restartContainer(options: containers.StopContainerOptions): Promise<void> {
    return checkedCall("restartContainer", options, (checked) => containers.restartContainer(this.context, checked));
  }

  /** Sends `killSignal` (a number or name; SIGKILL by default) to a container. Go `KillContainer`. */
  killContainer(options: containers.KillContainerOptions): Promise<void> {
    return checkedCall("killContainer", options, (checked) => containers.killContainer(this.context, checked));
  }

  /** Removes a container (`removeVolumes`, `force`). Go `RemoveContainer`. */
  removeContainer(options: containers.RemoveContainerOptions): Promise<void> {
    return checkedCall("removeContainer", options, (checked) => containers.removeContainer(this.context, checked));
  }

  /** Waits for a container to stop; resolves with its exit code. Go `WaitContainer`. */
  waitContainer(options: containers.ContainerOptions): Promise<number> {
    return checkedCall("waitContainer", options, (checked) => containers.waitContainer(this.context, checked));
  }

  /** The changed paths of a container's filesystem. Go `ContainerChanges`. */
  containerChanges(options: containers.ContainerOptions): Promise<Change[]> {
    return checkedCall("containerChanges", options, (checked) => containers.containerChanges(this.context, checked));
  }

  /** The processes running in a container (`GET /containers/{id}/top`). */
  topContainer(options: containers.TopContainerOptions): Promise<ContainerTop> {
    return checkedCall("topContainer", options, (checked) => containers.topContainer(this.context, checked));
  }

  /** The container's filesystem as a tar stream. Go `ExportContainer`. */
  exportContainer(options: containers.ContainerOptions): ByteStreamOperation {
    return containers.exportContainer(this.context, checkOptions("exportContainer", options));
  }

  /** A file or folder of a container as a tar stream. Go `CopyFromContainer`. */
  copyFromContainer(options: containers.CopyFromContainerOptions): ByteStreamOperation {
    return containers.copyFromContainer(this.context, checkOptions("copyFromContainer", options));
  }

  /** Creates an image from a container. Go `CommitContainer`. */
  commitContainer(options: containers.CommitContainerOptions): Promise<ContainerCommitResult> {
    return checkedCall("commitContainer", options, (checked) => containers.commitContainer(this.context, checked));
  }

  /** Resizes a running container's TTY. Go `ResizeContainerTTY`. */
  async resizeContainerTTY(options: ResizeContainerTTYOptions): Promise<void> {
    checkOptions("resizeContainerTTY", options);
    const id = requireId(options.id, "id");
    await resizeContainerTTY(
      this.docker,
      id,
      { height: options.height, width: options.width },
      options.signal ? { signal: options.signal } : {},
    );
  }

  // -------------------------------------------------------------------------- images

  /** Lists images. Go `ListImages`. */
  listImages(options?: images.ListImagesOptions): Promise<APIImages[]> {
    return checkedCall("listImages", options, (checked) => images.listImages(this.context, checked));
  }

  /** Inspects an image (v1.10 key spelling whatever the daemon). Go `InspectImage`. */
  inspectImage(options: images.ImageOptions): Promise<Image> {
    return checkedCall("inspectImage", options, (checked) => images.inspectImage(this.context, checked));
  }

  /** Removes an image. Go `RemoveImage`. */
  removeImage(options: images.RemoveImageOptions): Promise<ImageDeleteResponseItem[]> {
    return checkedCall("removeImage", options, (checked) => images.removeImage(this.context, checked));
  }

  /** Tags an image into a repository. Go `TagImage`. */
  tagImage(options: images.TagImageOptions): Promise<void> {
    return checkedCall("tagImage", options, (checked) => images.tagImage(this.context, checked));
  }

  /** Builds an image from a tar context or a remote URL. Go `BuildImage`. */
  buildImage(options: streams.BuildImageOptions): ProgressOperation<streams.BuildResult> {
    return streams.buildImage(this.context, checkOptions("buildImage", options));
  }

  /** Pulls an image. Go `PullImage`. */
  pullImage(options: streams.PullImageOptions): ProgressOperation<streams.PullResult> {
    return streams.pullImage(this.context, checkOptions("pullImage", options));
  }

  /** Pushes an image. Go `PushImage`. */
  pushImage(options: streams.PushImageOptions): ProgressOperation<streams.PushResult> {
    return streams.pushImage(this.context, checkOptions("pushImage", options));
  }

  /** Imports a filesystem archive (from a URL or a stream) as an image. Go `ImportImage`. */
  importImage(options: streams.ImportImageOptions): ProgressOperation<streams.ImportResult> {
    return streams.importImage(this.context, checkOptions("importImage", options));
  }

  /** The layers of an image (`GET /images/{name}/history`). */
  imageHistory(options: images.ImageOptions): Promise<ImageHistoryEntry[]> {
    return checkedCall("imageHistory", options, (checked) => images.imageHistory(this.context, checked));
  }

  /** Searches a registry (`GET /images/search`). */
  searchImages(options: images.SearchImagesOptions): Promise<ImageSearchResult[]> {
    return checkedCall("searchImages", options, (checked) => images.searchImages(this.context, checked));
  }

  /** A repository's images as a tar stream (`GET /images/{name}/get`). */
  exportImage(options: images.ImageOptions): ByteStreamOperation {
    return images.exportImage(this.context, checkOptions("exportImage", options));
  }

  /** Loads images from a tar archive (`POST /images/load`). */
  loadImage(options: streams.LoadImageOptions): ProgressOperation<streams.LoadResult> {
    return streams.loadImage(this.context, checkOptions("loadImage", options));
  }

  // -------------------------------------------------------------------------- system

  /** System-wide information. Go `Info`. */
  info(options?: CallOptions): Promise<DockerInfo> {
    return checkedCall("info", options, (checked) => system.info(this.context, checked));
  }

  /** The daemon's version. Go `Version`. */
  version(options?: CallOptions): Promise<DockerVersion> {
    return checkedCall("version", options, (checked) => system.version(this.context, checked));
  }

  /** `GET /_ping`: resolves with `"OK"`. */
  ping(options?: CallOptions): Promise<string> {
    return checkedCall("ping", options, (checked) => system.ping(this.context, checked));
  }

  /** Checks registry credentials through the daemon (`POST /auth`). */
  checkAuth(options: system.CheckAuthOptions): Promise<AuthCheckResult> {
    return checkedCall("checkAuth", options, (checked) => system.checkAuth(this.context, checked));
  }

  // ------------------------------------------------------------- attach, logs and events

  /**
   * Attaches to a container's stdio over a hijacked connection. Go `AttachToContainer`: the
   * promise resolves once the daemon accepted the attach (the Go `Success` handshake), so a
   * caller can start the container afterwards without losing output.
   */
  attachToContainer(options: AttachOptions): Promise<AttachSession> {
    return checkedCall("attachToContainer", options, (checked) => attachToContainer(this.docker, checked));
  }

  /**
   * A container's logs (`GET /containers/{id}/logs`, API 1.11 and later: every daemon that
   * accepts API 1.12 has it), optionally followed until the container exits.
   */
  containerLogs(options: ContainerLogsOptions): Promise<ContainerLogStream> {
    return checkedCall("containerLogs", options, (checked) => containerLogs(this.docker as DockerApi<any>, checked));
  }

  /**
   * Adds a listener to the client's shared `/events` stream (opened for the first listener).
   * Go `AddEventListener`: adding the same listener twice throws `ListenerAlreadyExistsError`.
   */
  addEventListener(listener: EventListener, options?: Omit<ListenerOptions, "signal">): void {
    checkCallback(listener, "listener");
    eventMonitor(this.docker).addEventListener(listener, checkOptions("addEventListener", options));
  }

  /** Removes a listener; the stream closes after the last one. Go `RemoveEventListener`. */
  removeEventListener(listener: EventListener): boolean {
    return eventMonitor(this.docker).removeEventListener(listener);
  }

  /** `for await (const item of docker.events({signal}))`: events, overflow markers and stream errors. */
  events(options?: EventsOptions): AsyncIterableIterator<EventItem> {
    return events(this.docker, checkOptions("events", options));
  }

  /** Calls `callback` for every event item until the returned function is called. */
  onEvent(callback: EventListener, options?: ListenerOptions): () => void {
    checkCallback(callback, "callback");
    return onEvent(this.docker, callback, checkOptions("onEvent", options));
  }
}

/**
 * Runs `run` once `options` pass `checkOptions` (issue 16 item 7). A refusal is a rejected
 * promise, like every other failure of a method that returns one.
 */
function checkedCall<O, R>(method: CheckedMethod, options: O, run: (options: O) => Promise<R>): Promise<R> {
  try {
    checkOptions(method, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return run(options);
}
