/**
 * The image calls that stream JSON progress: build, pull, push, import and load. Each returns
 * a `ProgressOperation` (progress.ts): iterate it for the typed messages, `await` it for the
 * result, which settles only once the daemon ended the stream without reporting an error.
 */
import { toRequestBody, type BodyInput } from "../body.js";
import {
  DockerApiError,
  DockerProtocolError,
  InvalidOptionError,
  MissingRepoError,
  NoSuchImageError,
  type RequestSummary,
} from "../errors.js";
import { ProgressState, type ProgressResult } from "../progress/fold.js";
import { pulledDigest } from "../progress/pull-digest.js";
import { collectRequestSecrets } from "../secrets.js";
import { encodeRegistryAuth, registryAuthHeader } from "./auth.js";
import { withSignal, type CallOptions, type ClientContext } from "./context.js";
import { splitImageRef, withRegistry, type ImageRef } from "./image-ref.js";
import { inspectImage } from "./images.js";
import { ProgressOperation, type OpenedProgress } from "./progress.js";
import type { AuthConfiguration, ProgressMessage } from "./types.js";
import { requireText } from "./validate.js";

const TAR = "application/x-tar";

/** Options of `buildImage` (Go `BuildImageOptions`). */
export interface BuildImageOptions extends CallOptions {
  /** The build context: a tar archive (optionally compressed) with the Dockerfile at its root. Go `InputStream`. */
  context?: BodyInput | undefined;
  /** URL of a context or Dockerfile the daemon fetches instead (`remote`). */
  remote?: string | undefined;
  /** Name (and optional `:tag`) of the result (`t`; Go `Name`). */
  name?: string | undefined;
  /**
   * Path of the Dockerfile inside the context (`dockerfile`; default `Dockerfile`). Not in the
   * v1.10 reference (documented from API 1.17); every daemon that accepts API 1.12 reads it.
   */
  dockerfile?: string | undefined;
  /** Do not use the build cache (`nocache`). */
  noCache?: boolean | undefined;
  /** Less output (`q`; Go `SuppressOutput`). */
  quiet?: boolean | undefined;
  /** Remove intermediate containers after a successful build (`rm`; Go `RmTmpContainer`). Daemons from API 1.12 default to true. */
  rmTmpContainer?: boolean | undefined;
  /** Remove intermediate containers even after a failed build (`forcerm`, API 1.12+; older daemons ignore it). */
  forceRmTmpContainer?: boolean | undefined;
  /** Credentials per registry for pulling base images (`X-Registry-Config`). */
  registryConfig?: Record<string, AuthConfiguration> | undefined;
}

/** What a build produced. */
export interface BuildResult {
  /** The full id of the built image (`sha256:…` on newer daemons). */
  imageId: string;
}

/**
 * Builds an image. Go `BuildImage` (which wrote the output into an `OutputStream`): iterate the
 * operation for the output, `await` it for the image id. Fails with `DockerStreamError` when a
 * step fails.
 */
export function buildImage(context: ClientContext, options: BuildImageOptions): ProgressOperation<BuildResult> {
  const open = async (): Promise<OpenedProgress> => {
    const hasContext = options.context !== undefined;
    // Neither is the Go client's ErrMissingRepo (issue 16 item 9); both stay an InvalidOptionError.
    if (!hasContext && options.remote === undefined) throw new MissingRepoError("give a context (a tar archive) or a remote (a URL)");
    if (hasContext && options.remote !== undefined) {
      throw new InvalidOptionError("context", "give exactly one of context (a tar archive) and remote (a URL)");
    }
    const remote = options.remote === undefined ? undefined : requireText(options.remote, "remote", "a URL");
    const body = hasContext ? toRequestBody(options.context!, "context") : undefined;
    const query: Record<string, unknown> = {
      t: options.name ?? remoteAsName(remote),
      dockerfile: options.dockerfile === undefined ? undefined : requireText(options.dockerfile, "dockerfile", "a path inside the context"),
      q: options.quiet,
      nocache: options.noCache,
      rm: options.rmTmpContainer,
      forcerm: options.forceRmTmpContainer,
      remote,
    };
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = TAR;
    if (options.registryConfig) headers["X-Registry-Config"] = encodeRegistryAuth(options.registryConfig);
    const { data } = await context.docker.api.POST("/build", {
      params: { query: query as { t?: string } },
      headers,
      ...(body !== undefined ? { body: body as never, bodySerializer: passThrough } : {}),
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    return { body: data, request: { method: "POST", path: "/build" }, secrets: collectRequestSecrets({ headers }) };
  };
  return new ProgressOperation(
    open,
    () => {
      const state = new ProgressState();
      return {
        observe: (message) => state.apply(message),
        finish: async () => {
          const id = state.result.imageId;
          if (!id) {
            throw new DockerProtocolError("the build stream ended without reporting the image it built", {
              request: { method: "POST", path: "/build" },
            });
          }
          // Older daemons report only the 12-character id ("Successfully built 0456aff6350b").
          if (/^(sha256:)?[0-9a-f]{64}$/.test(id)) return { imageId: id };
          const image = await inspectImage(context, { name: id, signal: options.signal });
          return { imageId: image.id };
        },
      };
    },
    options.signal,
  );
}

/** Options of `pullImage` (Go `PullImageOptions`). */
export interface PullImageOptions extends CallOptions {
  /** Repository to pull (`fromImage`), optionally with `:tag` or `@digest`. */
  repository: string;
  /** Tag (`tag`). Without it and without one in `repository`, `latest` (as `docker pull`), unless `allTags`. */
  tag?: string | undefined;
  /** Pull every tag of the repository (what the API does when no tag is given). */
  allTags?: boolean | undefined;
  /** Registry host to pull from; prefixed to `repository` unless it already starts with it. */
  registry?: string | undefined;
  /** Credentials (`X-Registry-Auth`). */
  auth?: AuthConfiguration | undefined;
}

/**
 * What a pull produced, as far as the daemon said. `digest` is the stream's `Digest:` line, or,
 * when the stream names none (podman 4.3), the one digest of the pulled repository in the
 * image's `RepoDigests`; `status` is the stream's `Status:` line (podman sends none).
 */
export interface PullResult extends Pick<ProgressResult, "digest" | "status"> {
  /** The reference that was pulled. */
  image: string;
}

/**
 * Pulls an image. Go `PullImage`. Iterate for the progress, `await` for the result.
 * @throws NoSuchImageError when the registry has no such image; DockerApiError for an
 *   authentication failure (the daemon answers it before streaming); DockerStreamError when
 *   the pull fails mid-way.
 */
export function pullImage(context: ClientContext, options: PullImageOptions): ProgressOperation<PullResult> {
  let image = "";
  let pulled: ImageRef | undefined;
  let tag: string | undefined;
  let libpod = false;
  const open = async (): Promise<OpenedProgress> => {
    if (typeof options.repository !== "string" || options.repository.trim() === "") throw new MissingRepoError();
    const ref = splitImageRef(withRegistry(options.repository.trim(), options.registry));
    pulled = ref;
    checkTagConflict("repository", options.repository, ref, options.tag);
    tag = options.tag ?? ref.tag ?? (ref.digest !== undefined || options.allTags ? undefined : "latest");
    const fromImage = ref.digest !== undefined ? `${ref.repository}@${ref.digest}` : ref.repository;
    image = ref.digest !== undefined ? fromImage : tag !== undefined ? `${ref.repository}:${tag}` : ref.repository;
    const request: RequestSummary = { method: "POST", path: "/images/create" };
    try {
      const header = registryAuthHeader(options.auth);
      const { data, response } = await context.docker.api.POST("/images/create", {
        params: { query: { fromImage, tag }, header },
        parseAs: "stream",
        ...withSignal(options.signal),
      });
      libpod = (response as Response).headers.has("libpod-api-version");
      return { body: data, request, secrets: collectRequestSecrets({ headers: header }) };
    } catch (error) {
      throw notFoundAsNoSuchImage(error, image);
    }
  };
  return new ProgressOperation(
    open,
    () => {
      const state = new ProgressState();
      return {
        observe: (message) => state.apply(message),
        finish: async () => {
          const result: PullResult = { image, ...pick(state.result, "digest", "status") };
          // podman 4.3 (its answers carry Libpod-Api-Version) names no digest in the stream: the
          // pulled image's RepoDigests do (when one tag or a digest was pulled)
          if (libpod && result.digest === undefined && pulled && (tag !== undefined || pulled.digest !== undefined)) {
            const digest = pulled.digest ?? (await pulledDigest(context.docker, image, pulled.repository, options.signal));
            if (digest !== undefined) result.digest = digest;
          }
          return result;
        },
      };
    },
    options.signal,
  );
}

/** Options of `pushImage` (Go `PushImageOptions`). */
export interface PushImageOptions extends CallOptions {
  /** The repository to push, with its registry host (`registry:5000/team/app`), optionally `:tag`. Go `Name`. */
  name: string;
  /** Tag to push (`tag`, API 1.?+); without one, every tag of the repository. */
  tag?: string | undefined;
  /** Registry host, prefixed to `name` unless it already starts with it (tag the image with that name first). */
  registry?: string | undefined;
  /** Credentials (`X-Registry-Auth`); sent as `{}` without them, which newer daemons require. */
  auth?: AuthConfiguration | undefined;
}

/** What a push produced (newer daemons report the manifest). */
export type PushResult = Pick<ProgressResult, "digest" | "tag" | "size">;

/**
 * Pushes an image. Go `PushImage`.
 * @throws MissingRepoError (before sending) without a name; NoSuchImageError for an unknown
 *   image; DockerStreamError when the registry refuses (wrong credentials) or the push fails.
 */
export function pushImage(context: ClientContext, options: PushImageOptions): ProgressOperation<PushResult> {
  const open = async (): Promise<OpenedProgress> => {
    if (typeof options.name !== "string" || options.name.trim() === "") throw new MissingRepoError();
    const ref = splitImageRef(withRegistry(options.name.trim(), options.registry));
    if (ref.digest !== undefined) throw new InvalidOptionError("name", "a digest cannot be pushed; name a repository and tag");
    checkTagConflict("name", options.name, ref, options.tag);
    const tag = options.tag ?? ref.tag;
    const header = registryAuthHeader(options.auth, true);
    const { data } = await context.docker.api.POST("/images/{name}/push", {
      params: {
        path: { name: ref.repository },
        query: (tag === undefined ? {} : { tag }) as { registry?: string },
        header,
      },
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    return {
      body: data,
      request: { method: "POST", path: `/images/${ref.repository}/push` },
      secrets: collectRequestSecrets({ headers: header }),
    };
  };
  return new ProgressOperation(
    open,
    () => {
      const state = new ProgressState();
      return {
        observe: (message) => state.apply(message),
        finish: () => pick(state.result, "digest", "tag", "size"),
      };
    },
    options.signal,
  );
}

/** Options of `importImage` (Go `ImportImageOptions`): exactly one of `url` and `input`. */
export interface ImportImageOptions extends CallOptions {
  /** URL of a tar archive the daemon downloads (`fromSrc=<url>`). */
  url?: string | undefined;
  /** The tar archive itself, e.g. a file stream (`fromSrc=-`; Go `InputStream`). */
  input?: BodyInput | undefined;
  /** Repository of the new image (`repo`). */
  repository?: string | undefined;
  tag?: string | undefined;
}

/** What an import produced. */
export interface ImportResult {
  /** The id of the new image. */
  imageId: string;
}

/** Creates an image from a filesystem tar archive. Go `ImportImage`. */
export function importImage(context: ClientContext, options: ImportImageOptions): ProgressOperation<ImportResult> {
  const open = async (): Promise<OpenedProgress> => {
    if ((options.url === undefined) === (options.input === undefined)) {
      throw new InvalidOptionError("url", "give exactly one of url and input");
    }
    if (options.url !== undefined) checkUrl(options.url, "url");
    if (options.tag !== undefined && options.repository === undefined) throw new InvalidOptionError("tag", "needs a repository");
    const body = options.input !== undefined ? toRequestBody(options.input, "input") : undefined;
    const { data } = await context.docker.api.POST("/images/create", {
      // The tag goes into `repo` (`repo=app:v1`), which dockerd and podman both read; podman 4.3
      // ignores a separate `tag` of an import and tags it `latest` (issue 15).
      params: {
        query: {
          fromSrc: options.url ?? "-",
          repo: options.tag === undefined ? options.repository : `${options.repository}:${options.tag}`,
        },
      },
      ...(body !== undefined ? { body: body as never, bodySerializer: passThrough, headers: { "Content-Type": TAR } } : {}),
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    return { body: data, request: { method: "POST", path: "/images/create" } };
  };
  return new ProgressOperation(
    open,
    () => {
      let imageId: string | undefined;
      return {
        observe(message) {
          // The last status is the new image's id ("sha256:<hex>" on newer daemons, bare hex before).
          const status = message.status?.trim();
          if (status && /^(sha256:)?[0-9a-f]{12,64}$/.test(status)) imageId = status;
        },
        finish() {
          if (!imageId) {
            throw new DockerProtocolError("the import stream ended without reporting the new image", {
              request: { method: "POST", path: "/images/create" },
            });
          }
          return { imageId };
        },
      };
    },
    options.signal,
  );
}

/** Options of `loadImage`. */
export interface LoadImageOptions extends CallOptions {
  /** A tar archive as `exportImage` makes it. */
  input: BodyInput;
}

/** What a load produced (daemons before API 1.2x report nothing). */
export interface LoadResult {
  /** Names (`repo:tag`) or ids of the loaded images, as reported. */
  images: string[];
}

/** Loads images from a tar archive (v1.10 `POST /images/load`). Newer daemons stream progress; errors in it reject. */
export function loadImage(context: ClientContext, options: LoadImageOptions): ProgressOperation<LoadResult> {
  const open = async (): Promise<OpenedProgress> => {
    if (options.input === undefined) throw new InvalidOptionError("input", "a tar archive is required");
    const body = toRequestBody(options.input, "input");
    const { data, response } = await context.docker.api.POST("/images/load", {
      body: body as never,
      bodySerializer: passThrough,
      headers: { "Content-Type": TAR },
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    const request = { method: "POST", path: "/images/load" };
    // v1.10 daemons answer with an empty (or non-JSON) body: nothing to parse.
    if (!/json/i.test(response.headers.get("content-type") ?? "")) {
      await (data as ReadableStream<Uint8Array> | undefined)?.cancel().catch(() => undefined);
      return { body: undefined, request };
    }
    return { body: data as ReadableStream<Uint8Array> | undefined, request };
  };
  return new ProgressOperation(
    open,
    () => {
      const images: string[] = [];
      return {
        observe(message: ProgressMessage) {
          const loaded = /^Loaded image(?: ID)?: (\S+)/.exec(message.stream?.trim() ?? "");
          if (loaded) images.push(loaded[1]!);
        },
        finish: () => ({ images }),
      };
    },
    options.signal,
  );
}

// ------------------------------------------------------------------------------ helpers

/** openapi-fetch's body serializer for bodies that are already bytes or streams. */
const passThrough = <T>(body: T): T => body;

/** A lowercase repository reference, with an optional registry host and tag (Docker's reference grammar, simplified). */
const REPOSITORY_REFERENCE =
  /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;

/**
 * The image name of a build from `remote` without a `name`: the remote itself, as the Go client
 * does (`opts.Name = opts.Remote`), when it is a valid image reference (`github.com/team/app`).
 * A URL with a scheme (`https://...`) is not one; dockerd would refuse it as a tag ("invalid
 * reference format") and fail the whole build, so such a build stays untagged.
 */
function remoteAsName(remote: string | undefined): string | undefined {
  return remote !== undefined && REPOSITORY_REFERENCE.test(remote) ? remote : undefined;
}

/**
 * Refuses a `tag` option beside a reference that names another tag or a digest (`a:b` with tag
 * `t`): one of the two would be dropped without a word (issue 16 item 8). The same tag twice is fine.
 */
function checkTagConflict(option: string, reference: string, ref: ImageRef, tag: string | undefined): void {
  if (tag === undefined) return;
  if (ref.digest !== undefined) {
    throw new InvalidOptionError("tag", `${option} ${JSON.stringify(reference)} names a digest; give a tag or a digest, not both`);
  }
  if (ref.tag !== undefined && ref.tag !== tag) {
    throw new InvalidOptionError(
      "tag",
      `${option} ${JSON.stringify(reference)} already names tag ${JSON.stringify(ref.tag)}, which conflicts with tag ${JSON.stringify(tag)}`,
    );
  }
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Pick<T, K> {
  const result = {} as Pick<T, K>;
  for (const key of keys) if (source[key] !== undefined) result[key] = source[key];
  return result;
}

function checkUrl(value: string, option: string): void {
  requireText(value, option, "a URL");
  try {
    new URL(value);
  } catch {
    throw new InvalidOptionError(option, `${JSON.stringify(value)} is not a URL`);
  }
}

/** A pull's 404 ("manifest unknown", "repository does not exist") is a missing image. */
function notFoundAsNoSuchImage(error: unknown, image: string): unknown {
  if (error instanceof DockerApiError && error.status === 404 && !(error instanceof NoSuchImageError)) {
    return new NoSuchImageError(image, error.daemonMessage, { cause: error, ...(error.request ? { request: error.request } : {}) });
  }
  return error;
}
