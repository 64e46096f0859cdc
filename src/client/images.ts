/**
 * Image calls of the Go client that answer at once (list, inspect, remove, tag), plus the v1.10
 * endpoints it lacked (history, search, get). The calls that stream progress (build, pull,
 * push, import, load) are in image-streams.ts.
 */
import { MissingRepoError } from "../errors.js";
import { parseJsonBody, withSignal, type CallOptions, type ClientContext } from "./context.js";
import { ByteStreamOperation, emptyStream } from "./download.js";
import { splitImageRef } from "./image-ref.js";
import { normalizeHistory, normalizeImage, normalizeImageDelete, normalizeImageList, normalizeSearchResults } from "./normalize.js";
import type { APIImages, Image, ImageDeleteResponseItem, ImageHistoryEntry, ImageSearchResult } from "./types.js";
import { requireId, requireText } from "./validate.js";

/** A call about one image. */
export interface ImageOptions extends CallOptions {
  /** Image name (`repo[:tag]`) or id. */
  name: string;
}

// ---------------------------------------------------------------------------- plain calls

/** Options of `listImages`. */
export interface ListImagesOptions extends CallOptions {
  /** Include intermediate images (`all`; Go `ListImages(all)`). */
  all?: boolean | undefined;
}

/** Lists images. Go `ListImages`. */
export async function listImages(context: ClientContext, options: ListImagesOptions = {}): Promise<APIImages[]> {
  const { data } = await context.docker.api.GET("/images/json", {
    params: { query: { all: options.all } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: "/images/json" };
  return normalizeImageList(parseJsonBody(data, request), request, context.docker.validation);
}

/** Inspects an image, in the v1.10 key spelling whatever the daemon. Go `InspectImage`. */
export async function inspectImage(context: ClientContext, options: ImageOptions): Promise<Image> {
  const name = requireId(options.name, "name");
  const { data } = await context.docker.api.GET("/images/{name}/json", {
    params: { path: { name } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: `/images/${name}/json` };
  return normalizeImage(parseJsonBody(data, request), request, context.docker.validation);
}

/** Options of `removeImage`. */
export interface RemoveImageOptions extends ImageOptions {
  /** Remove the image even if it is tagged in several repositories or used by a stopped container (`force`). */
  force?: boolean | undefined;
  /** Keep untagged parents (`noprune`). */
  noPrune?: boolean | undefined;
}

/** Removes an image and returns what was untagged and deleted. Go `RemoveImage`. */
export async function removeImage(context: ClientContext, options: RemoveImageOptions): Promise<ImageDeleteResponseItem[]> {
  const name = requireId(options.name, "name");
  const { data } = await context.docker.api.DELETE("/images/{name}", {
    params: { path: { name }, query: { force: options.force, noprune: options.noPrune } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "DELETE", path: `/images/${name}` };
  return normalizeImageDelete(parseJsonBody(data, request) ?? [], request, context.docker.validation);
}

/** Options of `tagImage` (Go `TagImageOptions`). */
export interface TagImageOptions extends ImageOptions {
  /** Repository to tag the image into (`repo`). */
  repo: string;
  /** Tag (`tag`); without one the daemon uses `latest` (or the tag written into `repo` as `repo:tag`). */
  tag?: string | undefined;
  /** Move the tag even if it points at another image (`force`; newer daemons always move it). */
  force?: boolean | undefined;
}

/** Tags an image. Go `TagImage`. */
export async function tagImage(context: ClientContext, options: TagImageOptions): Promise<void> {
  const name = requireId(options.name, "name");
  if (typeof options.repo !== "string" || options.repo.trim() === "") throw new MissingRepoError();
  // `repo: "app:v2"` without `tag` is sent as repo=app&tag=v2: dockerd takes either form,
  // podman 4.3 refuses a tag inside `repo` ("invalid reference format", issue 15).
  const split = options.tag === undefined ? splitImageRef(options.repo) : undefined;
  const repoTag =
    split?.tag !== undefined && split.digest === undefined
      ? { repo: split.repository, tag: split.tag }
      : { repo: options.repo, tag: options.tag };
  const query: Record<string, unknown> = { ...repoTag, force: options.force };
  await context.docker.api.POST("/images/{name}/tag", {
    params: { path: { name }, query: query as { repo: string } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
}

/** The layers of an image, newest first (v1.10 `GET /images/{name}/history`). */
export async function imageHistory(context: ClientContext, options: ImageOptions): Promise<ImageHistoryEntry[]> {
  const name = requireId(options.name, "name");
  const { data } = await context.docker.api.GET("/images/{name}/history", {
    params: { path: { name } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: `/images/${name}/history` };
  return normalizeHistory(parseJsonBody(data, request), request, context.docker.validation);
}

/** Options of `searchImages`. */
export interface SearchImagesOptions extends CallOptions {
  /** Search term (`term`); `registry.example:5000/name` searches that registry. */
  term: string;
}

/** Searches a registry's index (v1.10 `GET /images/search`). */
export async function searchImages(context: ClientContext, options: SearchImagesOptions): Promise<ImageSearchResult[]> {
  const term = requireText(options.term, "term");
  const { data } = await context.docker.api.GET("/images/search", {
    params: { query: { term } },
    parseAs: "text",
    ...withSignal(options.signal),
  });
  const request = { method: "GET", path: "/images/search" };
  return normalizeSearchResults(parseJsonBody(data, request), request, context.docker.validation);
}

/** The images and tags of a repository as a tar archive (v1.10 `GET /images/{name}/get`), for `loadImage`. */
export function exportImage(context: ClientContext, options: ImageOptions): ByteStreamOperation {
  return new ByteStreamOperation(async () => {
    const name = requireId(options.name, "name");
    const { data } = await context.docker.api.GET("/images/{name}/get", {
      params: { path: { name } },
      parseAs: "stream",
      ...withSignal(options.signal),
    });
    return data ?? emptyStream();
  }, options.signal);
}
