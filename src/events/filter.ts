/**
 * Client-side event filters. The shared `/events` connection is unfiltered so that one
 * connection serves every listener; each listener narrows it here. The keys mirror the
 * daemon's own `filters` (type, event, container/image, name), and also work on API versions
 * that have no server-side filters (before 1.16).
 */
import type { DockerEvent } from "./event.js";

/** One accepted value, or any of several. */
export type FilterValue = string | readonly string[];

/** Filters of one listener. Every given key must match (AND); within a key any value may (OR). */
export interface EventFilters {
  /** Object type: `container`, `image`, `network`, `volume`, ... */
  type?: FilterValue | undefined;
  /** Action: `start`, `die`, ...; `exec_start` also matches `exec_start: sh -c ...`. */
  action?: FilterValue | undefined;
  /** Actor id, full or a prefix of at least 4 characters (a short id). */
  id?: FilterValue | undefined;
  /** The actor's `name` attribute (container name without the leading `/`, image reference). */
  name?: FilterValue | undefined;
  /** Image reference: of a container event (`image` attribute, legacy `from`) or an image event (id or name). `busybox` matches `busybox:latest`. */
  image?: FilterValue | undefined;
}

/** Returns a predicate for `filters`, or `undefined` when they accept everything. */
export function compileEventFilters(filters: EventFilters | undefined): ((event: DockerEvent) => boolean) | undefined {
  if (!filters) return undefined;
  const tests: Array<(event: DockerEvent) => boolean> = [];
  const type = valuesOf(filters.type)?.map((value) => value.toLowerCase());
  if (type) tests.push((event) => type.includes(event.type));
  const action = valuesOf(filters.action);
  if (action) tests.push((event) => action.includes(event.action) || action.includes(actionVerb(event.action)));
  const id = valuesOf(filters.id);
  if (id) tests.push((event) => id.some((value) => idMatches(event.actor.id, value)));
  const name = valuesOf(filters.name);
  if (name) tests.push((event) => name.some((value) => nameMatches(event.actor.attributes["name"], value)));
  const image = valuesOf(filters.image);
  if (image) tests.push((event) => image.some((value) => imageMatches(event, value)));
  if (tests.length === 0) return undefined;
  return (event) => tests.every((test) => test(event));
}

function valuesOf(value: FilterValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : [...value];
  return list.length === 0 ? undefined : list;
}

/** `exec_start: sh -c x` -> `exec_start` (newer daemons append the command to exec actions). */
function actionVerb(action: string): string {
  const colon = action.indexOf(":");
  return colon === -1 ? action : action.slice(0, colon);
}

function idMatches(actorId: string, value: string): boolean {
  if (actorId === value) return true;
  const bare = actorId.startsWith("sha256:") ? actorId.slice(7) : actorId;
  return value.length >= 4 && (bare.startsWith(value) || actorId.startsWith(value));
}

function nameMatches(name: string | undefined, value: string): boolean {
  if (name === undefined) return false;
  const strip = (text: string) => (text.startsWith("/") ? text.slice(1) : text);
  return strip(name) === strip(value);
}

function withDefaultTag(reference: string): string {
  // A tag is a `:` after the last `/` (a `:` before it is a registry port); digests keep their `@`.
  const lastSlash = reference.lastIndexOf("/");
  return reference.includes("@") || reference.indexOf(":", lastSlash + 1) !== -1 ? reference : `${reference}:latest`;
}

function imageMatches(event: DockerEvent, value: string): boolean {
  const candidates: string[] = [];
  const attribute = event.actor.attributes["image"];
  if (attribute !== undefined) candidates.push(attribute);
  if (event.from !== undefined) candidates.push(event.from);
  if (event.type === "image") {
    const name = event.actor.attributes["name"];
    if (name !== undefined) candidates.push(name);
    if (idMatches(event.actor.id, value)) return true;
  }
  const wanted = withDefaultTag(value);
  return candidates.some((candidate) => candidate === value || withDefaultTag(candidate) === wanted);
}
