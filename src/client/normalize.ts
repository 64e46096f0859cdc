/**
 * Validation and normalization of response bodies at the boundary: every answer is checked
 * against its v1.10 shape, after renaming the keys other API versions spell differently, so
 * callers see one typed shape whatever daemon answered. The checks are the validator functions
 * generated from the v1.10 document (generated/v1.10/validate.ts: plain code, no zod, no copy
 * of the body); they accept exactly what the generated zod schemas accept.
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
 * `InvalidResponseError` (a `DockerProtocolError`), never a crash further on; only then are
 * the issues collected (a second, thorough pass), so a valid body costs one straight pass.
 */
import {
  arrayOf,
  validateAPIContainers,
  validateAPIImages,
  validateChange,
  validateContainer,
  validateContainerCommitResponse,
  validateContainerCreateResponse,
  validateContainerTopResponse,
  validateContainerWaitResponse,
  validateImage,
  validateImageDeleteResponseItem,
  validateImageHistoryEntry,
  validateImageSearchResult,
  validateInfo,
  validateProgressMessage,
  validateVersion,
  type ValidationIssue,
  type Validator,
} from "../../generated/v1.10/index.js";
import { dockerSearchEntry } from "../codecs/search-entry.js";
import type { RequestSummary } from "../errors.js";
import { STRICT_VALIDATION, type ResponseValidation } from "../validation.js";
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

/** zod's name of a value's type in messages (for the hand-written checks). */
function received(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
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

function checkList<T>(
  validation: ResponseValidation,
  validate: Validator<T[]>,
  value: unknown,
  what: string,
  request?: RequestSummary,
  nullIsEmpty = false,
): T[] {
  if (value === null && nullIsEmpty) return [];
  return validation.check(validate, value, what, request);
}

/**
 * `validate`, and a non-empty string under `key`: after renaming, the id must be there (the
 * v1.10 container schema has both spellings optional). An id the base validator already
 * reported (wrong type, or missing where it is required) is not reported twice.
 */
function withId<T, K extends string>(validate: Validator<T>, key: K): Validator<T & Record<K, string>> {
  return (value: unknown, issues?: ValidationIssue[]): value is T & Record<K, string> => {
    const ok = validate(value, issues);
    if ((!ok && issues === undefined) || !isRecord(value)) return false;
    const id = value[key];
    if (typeof id === "string" && id !== "") return ok;
    if (issues !== undefined && !issues.some((issue) => issue.path.length === 1 && issue.path[0] === key)) {
      issues.push(
        id === ""
          ? { path: [key], code: "too_small", message: "Too small: expected string to have >=1 characters" }
          : { path: [key], code: "invalid_type", message: `Invalid input: expected string, received ${received(id)}` },
      );
    }
    return false;
  };
}

// Built once: the checks of each answer.
const validateContainerWithId = withId(validateContainer, "Id");
const validateImageWithId = withId(validateImage, "id");
const validateContainerList = arrayOf(validateAPIContainers);
const validateChangeList = arrayOf(validateChange);
const validateImageList = arrayOf(validateAPIImages);
const validateHistory = arrayOf(validateImageHistoryEntry);
const validateSearchResults = arrayOf(validateImageSearchResult);
const validateImageDeleteList = arrayOf(validateImageDeleteResponseItem);

const list = (value: unknown): unknown => (value === null || value === undefined ? [] : value);

// ---------------------------------------------------------------------------- containers

/** `GET /containers/{id}/json`. */
export function normalizeContainer(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): Container {
  let body = raw;
  if (isRecord(raw)) {
    const renamed = renameKeys(raw, { ID: "Id" });
    const settings = renamed["NetworkSettings"];
    if (isRecord(settings)) renamed["NetworkSettings"] = renameKeys(settings, { IpAddress: "IPAddress", IpPrefixLen: "IPPrefixLen" });
    body = renamed;
  }
  return validation.check(validateContainerWithId, body, "container inspect", request) as Container;
}

/** `GET /containers/json`. */
export function normalizeContainerList(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): APIContainers[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => (isRecord(entry) ? { ...entry, Ports: list(entry["Ports"]), Names: list(entry["Names"]) } : entry))
    : raw;
  return checkList(validation, validateContainerList, entries, "container list", request) as APIContainers[];
}

/** `POST /containers/create`. */
export function normalizeCreateResult(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ContainerCreateResult {
  const body = isRecord(raw) ? { ...raw, Warnings: list(raw["Warnings"]) } : raw;
  return validation.check(validateContainerCreateResponse, body, "container create", request) as ContainerCreateResult;
}

/** `POST /containers/{id}/wait`: the exit code. */
export function normalizeWaitResult(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): number {
  const body: { StatusCode?: unknown } | null | undefined = validation.check(validateContainerWaitResponse, raw, "container wait", request);
  // The exit code is the whole answer: without a number there is nothing to return, whatever the mode.
  if (typeof body?.StatusCode === "number") return body.StatusCode;
  return STRICT_VALIDATION.check(validateContainerWaitResponse, raw, "container wait", request).StatusCode;
}

/** `GET /containers/{id}/changes`. */
export function normalizeChanges(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): Change[] {
  return checkList(validation, validateChangeList, raw, "container changes", request, true) as Change[];
}

/** `GET /containers/{id}/top`. */
export function normalizeTop(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): ContainerTop {
  return splitTopColumns(validation.check(validateContainerTopResponse, raw, "container top", request) as ContainerTop);
}

/**
 * podman 4.3 answers `top` with each line of `ps` unsplit: `Titles: ["PID   USER     COMMAND"]`,
 * `Processes: [["1 root     sleep 30"]]`. Split into dockerd's columns (one per title, the last
 * keeping the rest of the line, spaces and all), so callers see one shape; nothing is dropped.
 */
function splitTopColumns(top: ContainerTop): ContainerTop {
  const titles = top.Titles;
  if (titles?.length !== 1 || !/\S\s+\S/.test(titles[0]!)) return top;
  const columns = titles[0]!.trim().split(/\s+/);
  const rows = top.Processes ?? [];
  if (!rows.every((row) => row.length === 1)) return top;
  const split = (line: string): string[] => {
    const cells: string[] = [];
    let rest = line.trim();
    for (let i = 0; i < columns.length - 1 && rest !== ""; i++) {
      const at = rest.search(/\s/);
      if (at < 0) break;
      cells.push(rest.slice(0, at));
      rest = rest.slice(at).trimStart();
    }
    cells.push(rest);
    return cells;
  };
  return { ...top, Titles: columns, Processes: rows.map((row) => split(row[0]!)) };
}

/** A full image id without its "sha256:" (podman 4.3's spelling in commit and history answers). */
const BARE_ID = /^[0-9a-f]{64}$/;

/** `POST /commit`. */
export function normalizeCommitResult(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ContainerCommitResult {
  const result = validation.check(validateContainerCommitResponse, raw, "commit", request) as ContainerCommitResult;
  // podman 4.3 answers the bare hex id; dockerd (and every inspect) says "sha256:<hex>"
  return typeof result.Id === "string" && BARE_ID.test(result.Id) ? { ...result, Id: `sha256:${result.Id}` } : result;
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
export function normalizeImage(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): Image {
  const body = isRecord(raw) ? renameKeys(raw, IMAGE_RENAMES) : raw;
  return validation.check(validateImageWithId, body, "image inspect", request) as Image;
}

/** The placeholder older daemons list as the tag of an untagged image. */
const NO_TAG = "<none>:<none>";

/** `GET /images/json`. */
export function normalizeImageList(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): APIImages[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => {
        if (!isRecord(entry)) return entry;
        const tags = list(entry["RepoTags"]);
        return { ...entry, RepoTags: Array.isArray(tags) ? tags.filter((tag) => tag !== NO_TAG) : tags };
      })
    : raw;
  return checkList(validation, validateImageList, entries, "image list", request) as APIImages[];
}

/** `GET /images/{name}/history`. */
export function normalizeHistory(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ImageHistoryEntry[] {
  const entries = checkList(validation, validateHistory, raw, "image history", request) as ImageHistoryEntry[];
  // podman 4.3 gives the image ids as bare hex; dockerd (and image inspect) as "sha256:<hex>"
  return entries.map((entry) => (typeof entry.Id === "string" && BARE_ID.test(entry.Id) ? { ...entry, Id: `sha256:${entry.Id}` } : entry));
}

/** `GET /images/search`. */
export function normalizeSearchResults(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ImageSearchResult[] {
  const entries = Array.isArray(raw)
    ? raw.map((entry) => {
        const docker = dockerSearchEntry(entry);
        return isRecord(docker) ? renameKeys(docker, { is_automated: "is_trusted" }) : docker;
      })
    : raw;
  return checkList(validation, validateSearchResults, entries, "image search", request) as ImageSearchResult[];
}

/** `DELETE /images/{name}`. */
export function normalizeImageDelete(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ImageDeleteResponseItem[] {
  return checkList(validation, validateImageDeleteList, raw, "image delete", request, true) as ImageDeleteResponseItem[];
}

/** One message of a JSON progress stream. */
export function normalizeProgressMessage(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): ProgressMessage {
  return validation.check(validateProgressMessage, raw, "progress stream", request) as ProgressMessage;
}

// -------------------------------------------------------------------------------- system

const INFO_BOOLEANS = ["Debug", "MemoryLimit", "SwapLimit", "IPv4Forwarding"] as const;

/** `GET /info`. */
export function normalizeInfo(raw: unknown, request?: RequestSummary, validation: ResponseValidation = STRICT_VALIDATION): DockerInfo {
  let body = raw;
  if (isRecord(raw)) {
    const copy: Json = { ...raw };
    for (const key of INFO_BOOLEANS) {
      const value = copy[key];
      if (value === 0 || value === 1) copy[key] = value === 1;
    }
    body = copy;
  }
  return validation.check(validateInfo, body, "info", request) as DockerInfo;
}

/** `GET /version`. */
export function normalizeVersion(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): DockerVersion {
  return validation.check(validateVersion, raw, "version", request) as DockerVersion;
}

const AUTH_CHECK_KEYS = ["Status", "IdentityToken"] as const;

/**
 * The v1.41 document declares this answer inline (no components schema), so nothing is generated
 * for it: a loose object whose `Status` and `IdentityToken`, when present, are strings (AuthCheckResult).
 */
function validateAuthCheck(value: unknown, issues?: ValidationIssue[]): value is AuthCheckResult {
  if (!isRecord(value)) {
    issues?.push({ path: [], code: "invalid_type", message: `Invalid input: expected object, received ${received(value)}` });
    return false;
  }
  let ok = true;
  for (const key of AUTH_CHECK_KEYS) {
    const field = value[key];
    if (!(key in value) || typeof field === "string") continue;
    if (issues === undefined) return false;
    issues.push({ path: [key], code: "invalid_type", message: `Invalid input: expected string, received ${received(field)}` });
    ok = false;
  }
  return ok;
}

/** `POST /auth`: v1.10 daemons answer with no body (`undefined` here). */
export function normalizeAuthCheck(
  raw: unknown,
  request?: RequestSummary,
  validation: ResponseValidation = STRICT_VALIDATION,
): AuthCheckResult {
  if (raw === undefined || raw === null || raw === "") return {};
  return validation.check(validateAuthCheck, raw, "auth", request);
}
