/**
 * Validation and normalization of response bodies at the boundary: every answer is checked
 * against the generated zod schema of its v1.10 shape, after renaming the keys other API
 * versions spell differently, so callers see one typed shape whatever daemon answered.
 *
 * The spelling differences handled (v1.10 documents and Go types vs. daemons from API 1.12):
 * - container inspect: `ID` (Go type, v1.10 daemons) → `Id`;
 * - `NetworkSettings`: `IpAddress` / `IpPrefixLen` (v1.10 docs) → `IPAddress` / `IPPrefixLen`;
 * - image inspect: CamelCase (`Id`, `Parent`, `ContainerConfig`, ... from 1.12) → the v1.10
 *   lower-case / snake_case keys (`id`, `parent`, `container_config`, ...);
 * - image search: `is_automated` (from 1.12) → `is_trusted`;
 * - lists the Go daemon writes as `null` when empty (`Ports`, `Names`, `RepoTags`, `Warnings`,
 *   the changes list) → `[]`; `RepoTags: ["<none>:<none>"]` (untagged images before API 1.4x)
 *   → `[]`, as later daemons send;
 * - `Info` booleans that engine-era daemons wrote as 0/1 → booleans.
 *
 * Unknown fields are kept (the schemas are loose). A body that fails validation is an
 * `InvalidResponseError` (a `DockerProtocolError`), never a crash further on.
 */
import { z } from "zod";
import {
  APIContainersSchema,
  APIImagesSchema,
  ChangeSchema,
  ContainerCommitResponseSchema,
  ContainerCreateResponseSchema,
  ContainerSchema,
  ContainerTopResponseSchema,
  ContainerWaitResponseSchema,
  ImageDeleteResponseItemSchema,
  ImageHistoryEntrySchema,
  ImageSchema,
  ImageSearchResultSchema,
  InfoSchema,
  ProgressMessageSchema,
  VersionSchema,
} from "../../generated/v1.10/index.js";
import type { RequestSummary } from "../errors.js";
import { InvalidResponseError } from "./errors.js";
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
  DockerVersion,
  Image,
  ImageDeleteResponseItem,
  ImageHistoryEntry,
  ImageSearchResult,
  ProgressMessage,
} from "./types.js";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A shallow copy of `record` with each `from` key moved to its `to` key, unless `to` is already there. */
export function renameKeys(record: Json, renames: Readonly<Record<string, string>>): Json {
  const copy: Json = { ...record };
  for (const [from, to] of Object.entries(renames)) {
    if (!(from in copy)) continue;
    if (!(to in copy)) copy[to] = copy[from];
    delete copy[from];
  }
  return copy;
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string, request?: RequestSummary): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidResponseError(what, result.error.issues, { request });
  return result.data;
}

function checkList<T>(schema: z.ZodType<T>, value: unknown, what: string, request?: RequestSummary, nullIsEmpty = false): T[] {
  if (value === null && nullIsEmpty) return [];
  return check(z.array(schema), value, what, request);
}

const list = (value: unknown): unknown => (value === null || value === undefined ? [] : value);

// ---------------------------------------------------------------------------- containers

/** `GET /containers/{id}/json`. */
export function normalizeContainer(raw: unknown, request?: RequestSummary): Container {
  let body = raw;
  if (isRecord(raw)) {
    const renamed = renameKeys(raw, { ID: "Id" });
    const settings = renamed["NetworkSettings"];
    if (isRecord(settings)) renamed["NetworkSettings"] = renameKeys(settings, { IpAddress: "IPAddress", IpPrefixLen: "IPPrefixLen" });
    body = renamed;
  }
  return check(ContainerWithIdSchema, body, "container inspect", request) as Container;
}

// The v1.10 schemas make no id required (both spellings are optional); after renaming, one must be there.
const ContainerWithIdSchema = ContainerSchema.extend({ Id: z.string().min(1) });
const ImageWithIdSchema = ImageSchema.extend({ id: z.string().min(1) });

/** `GET /containers/json`. */
export function normalizeContainerList(raw: unknown, request?: RequestSummary): APIContainers[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => (isRecord(entry) ? { ...entry, Ports: list(entry["Ports"]), Names: list(entry["Names"]) } : entry))
    : raw;
  return checkList(APIContainersSchema, entries, "container list", request) as APIContainers[];
}

/** `POST /containers/create`. */
export function normalizeCreateResult(raw: unknown, request?: RequestSummary): ContainerCreateResult {
  const body = isRecord(raw) ? { ...raw, Warnings: list(raw["Warnings"]) } : raw;
  return check(ContainerCreateResponseSchema, body, "container create", request) as ContainerCreateResult;
}

/** `POST /containers/{id}/wait`: the exit code. */
export function normalizeWaitResult(raw: unknown, request?: RequestSummary): number {
  return check(ContainerWaitResponseSchema, raw, "container wait", request).StatusCode;
}

/** `GET /containers/{id}/changes`. */
export function normalizeChanges(raw: unknown, request?: RequestSummary): Change[] {
  return checkList(ChangeSchema, raw, "container changes", request, true) as Change[];
}

/** `GET /containers/{id}/top`. */
export function normalizeTop(raw: unknown, request?: RequestSummary): ContainerTop {
  return check(ContainerTopResponseSchema, raw, "container top", request) as ContainerTop;
}

/** `POST /commit`. */
export function normalizeCommitResult(raw: unknown, request?: RequestSummary): ContainerCommitResult {
  return check(ContainerCommitResponseSchema, raw, "commit", request) as ContainerCommitResult;
}

// -------------------------------------------------------------------------------- images

/** Image inspect keys from API 1.12 on, and their v1.10 spelling. */
const IMAGE_RENAMES: Readonly<Record<string, string>> = {
  Id: "id",
  Parent: "parent",
  Comment: "comment",
  Created: "created",
  Container: "container",
  ContainerConfig: "container_config",
  DockerVersion: "docker_version",
  Author: "author",
  Config: "config",
  Architecture: "architecture",
};

/** `GET /images/{name}/json`. */
export function normalizeImage(raw: unknown, request?: RequestSummary): Image {
  const body = isRecord(raw) ? renameKeys(raw, IMAGE_RENAMES) : raw;
  return check(ImageWithIdSchema, body, "image inspect", request) as Image;
}

/** The placeholder older daemons list as the tag of an untagged image. */
const NO_TAG = "<none>:<none>";

/** `GET /images/json`. */
export function normalizeImageList(raw: unknown, request?: RequestSummary): APIImages[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => {
        if (!isRecord(entry)) return entry;
        const tags = list(entry["RepoTags"]);
        return { ...entry, RepoTags: Array.isArray(tags) ? tags.filter((tag) => tag !== NO_TAG) : tags };
      })
    : raw;
  return checkList(APIImagesSchema, entries, "image list", request) as APIImages[];
}

/** `GET /images/{name}/history`. */
export function normalizeHistory(raw: unknown, request?: RequestSummary): ImageHistoryEntry[] {
  return checkList(ImageHistoryEntrySchema, raw, "image history", request) as ImageHistoryEntry[];
}

/** `GET /images/search`. */
export function normalizeSearchResults(raw: unknown, request?: RequestSummary): ImageSearchResult[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => (isRecord(entry) ? renameKeys(entry, { is_automated: "is_trusted" }) : entry))
    : raw;
  return checkList(ImageSearchResultSchema, entries, "image search", request) as ImageSearchResult[];
}

/** `DELETE /images/{name}`. */
export function normalizeImageDelete(raw: unknown, request?: RequestSummary): ImageDeleteResponseItem[] {
  return checkList(ImageDeleteResponseItemSchema, raw, "image delete", request, true) as ImageDeleteResponseItem[];
}

/** One message of a JSON progress stream. */
export function normalizeProgressMessage(raw: unknown, request?: RequestSummary): ProgressMessage {
  return check(ProgressMessageSchema, raw, "progress stream", request) as ProgressMessage;
}

// -------------------------------------------------------------------------------- system

const INFO_BOOLEANS = ["Debug", "MemoryLimit", "SwapLimit", "IPv4Forwarding"] as const;

/** `GET /info`. */
export function normalizeInfo(raw: unknown, request?: RequestSummary): DockerInfo {
  let body = raw;
  if (isRecord(raw)) {
    const copy: Json = { ...raw };
    for (const key of INFO_BOOLEANS) {
      const value = copy[key];
      if (value === 0 || value === 1) copy[key] = value === 1;
    }
    body = copy;
  }
  return check(InfoSchema, body, "info", request) as DockerInfo;
}

/** `GET /version`. */
export function normalizeVersion(raw: unknown, request?: RequestSummary): DockerVersion {
  return check(VersionSchema, raw, "version", request) as DockerVersion;
}

// The v1.41 document declares this answer inline (no components schema), so no generated zod
// schema exists for it; this one mirrors that inline type (AuthCheckResult).
const AuthCheckSchema = z.looseObject({ Status: z.string().exactOptional(), IdentityToken: z.string().exactOptional() });

/** `POST /auth`: v1.10 daemons answer with no body (`undefined` here). */
export function normalizeAuthCheck(raw: unknown, request?: RequestSummary): AuthCheckResult {
  if (raw === undefined || raw === null || raw === "") return {};
  return check(AuthCheckSchema, raw, "auth", request) as AuthCheckResult;
}
