/**
 * A lazy walk of a build context in the order and with the exclusions of the docker CLI's
 * archiver (moby `pkg/archive` `Tarballer.Do`, which the CLI's `docker build` uses):
 *
 * - depth first, each directory's entries sorted by name in byte order (Go's `WalkDir`),
 *   a directory before its contents, the context root itself not listed;
 * - each path is matched with the parent directory's per-pattern results
 *   (patternmatcher `MatchesUsingParentResults`);
 * - an excluded directory is not listed, and its contents are skipped unless an exception
 *   pattern could re-include something under it, in which case the walk goes on inside it;
 * - a file seen again through another hard link is listed as a link to the first name.
 *
 * Only one directory listing per level is held at a time; nothing is read ahead.
 */
import type { Stats } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { BuildContextError } from "./errors.js";
import type { DockerignoreMatcher, ParentMatches } from "./dockerignore.js";

/** One thing to put in the archive. */
export type ContextEntry =
  | { kind: "directory"; path: string; stats: Stats }
  | { kind: "file"; path: string; absolutePath: string; stats: Stats }
  | { kind: "symlink"; path: string; stats: Stats; target: string }
  | { kind: "hardlink"; path: string; stats: Stats; target: string }
  | { kind: "fifo"; path: string; stats: Stats };

/**
 * Yields the entries of `root` that `matcher` does not exclude, `path` relative with `/`.
 * Sockets and device nodes are left out (see `tarDirectory`).
 * @throws BuildContextError when a directory cannot be listed or an entry cannot be examined.
 */
export async function* walkContext(root: string, matcher: DockerignoreMatcher): AsyncGenerator<ContextEntry> {
  const seenInodes = new Map<string, string>();
  yield* walkDirectory(root, "", undefined, matcher, seenInodes);
}

async function* walkDirectory(
  absolute: string,
  relative: string,
  parent: ParentMatches | undefined,
  matcher: DockerignoreMatcher,
  seenInodes: Map<string, string>,
): AsyncGenerator<ContextEntry> {
  let names: string[];
  try {
    names = await readdir(absolute);
  } catch (error) {
    throw new BuildContextError(relative || ".", `cannot list directory (${codeOf(error)})`, error);
  }
  names.sort(compareByteOrder);
  for (const name of names) {
    const path = relative === "" ? name : `${relative}/${name}`;
    const entryPath = join(absolute, name);
    let stats: Stats;
    try {
      stats = await lstat(entryPath);
    } catch (error) {
      // Removed between listing and looking: the archiver skips it too.
      if (codeOf(error) === "ENOENT") continue;
      throw new BuildContextError(path, `cannot stat (${codeOf(error)})`, error);
    }
    const { excluded, results } = matcher.matchesWithParent(path, parent);
    if (stats.isDirectory()) {
      if (!excluded) yield { kind: "directory", path, stats };
      if (!excluded || matcher.mayIncludeBelow(path)) yield* walkDirectory(entryPath, path, results, matcher, seenInodes);
      continue;
    }
    if (excluded) continue;
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = await readlink(entryPath);
      } catch (error) {
        throw new BuildContextError(path, `cannot read symlink (${codeOf(error)})`, error);
      }
      yield { kind: "symlink", path, stats, target };
    } else if (stats.isFile()) {
      if (stats.nlink > 1) {
        const inode = `${stats.dev}:${stats.ino}`;
        const first = seenInodes.get(inode);
        if (first !== undefined) {
          yield { kind: "hardlink", path, stats, target: first };
          continue;
        }
        seenInodes.set(inode, path);
      }
      yield { kind: "file", path, absolutePath: entryPath, stats };
    } else if (stats.isFIFO()) {
      yield { kind: "fifo", path, stats };
    }
    // Sockets: Go's tar.FileInfoHeader refuses them and the archiver skips them.
    // Device nodes: skipped, as a build context has no use for them.
  }
}

/** Orders names as Go compares strings: by UTF-8 bytes, which is code point order. */
export function compareByteOrder(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 units order code points correctly except surrogates (U+10000 and up) against
    // U+E000..U+FFFF; compare whole code points there.
    return (a.codePointAt(i) ?? x) - (b.codePointAt(i) ?? y) || x - y;
  }
  return a.length - b.length;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "I/O error";
}
