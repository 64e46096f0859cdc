/**
 * `.dockerignore` parsing and matching with the docker CLI's rules.
 *
 * Parsing mirrors moby/buildkit `frontend/dockerfile/dockerignore.ReadAll` (used by docker/cli
 * `ReadDockerignore`): a UTF-8 BOM is dropped; lines starting with `#` are comments; each
 * pattern is trimmed, `Clean`ed and loses a leading `/`; `!` marks an exception.
 *
 * Matching mirrors moby/patternmatcher: `*` is any run of non-`/` characters, `?` one non-`/`
 * character, `[...]` a class (`[^...]` negated), `\` escapes the next character, and `**`
 * any number of directories (`**` + `/` counts as `**`). Like the CLI, a pattern also matches
 * everything below a directory it matches, a later pattern overrides an earlier one, and
 * patterns are case-sensitive with `/` as the only separator (the Linux CLI's behaviour).
 *
 * Deliberate differences, both where patternmatcher's regexp translation departs from the glob
 * syntax it documents: inside a `[...]` class `*` and `?` are literal, as in Go's
 * `filepath.Match` (patternmatcher turns them into wildcards there); and `\x` is always a
 * literal `x` (patternmatcher hands `\d`, `\w`, ... to Go's regexp as character classes).
 */
import { InvalidOptionError } from "../errors.js";

/** One compiled pattern. */
export interface IgnorePattern {
  /** The cleaned pattern without its `!`. */
  readonly pattern: string;
  /** True for `!` patterns, which re-include what earlier patterns excluded. */
  readonly exclusion: boolean;
  /** Tests one slash-separated path (no parent matching). */
  matches(path: string): boolean;
}

/** Per-pattern results for a directory, passed down to its children while walking. */
export type ParentMatches = readonly boolean[];

/**
 * Reads `.dockerignore` text into patterns (exceptions keep their `!`).
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!;
    if (index === 0 && line.startsWith("\uFEFF")) line = line.slice(1);
    // Comments are recognised before trimming: "  # x" is a pattern, as in ReadAll.
    if (line.startsWith("#")) continue;
    let pattern = goTrimSpace(line);
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** Matches paths against an ordered list of `.dockerignore` patterns. */
export class DockerignoreMatcher {
  /** The compiled patterns, in order. */
  readonly patterns: readonly IgnorePattern[];
  /** True when some pattern is an exception (`!`), so an excluded directory may still hold included files. */
  readonly hasExclusions: boolean;

  /** @throws InvalidOptionError for `!` alone or a malformed pattern (an unclosed `[`, a trailing `\`). */
  constructor(patterns: readonly string[]) {
    const compiled: IgnorePattern[] = [];
    for (const raw of patterns) {
      let pattern = goTrimSpace(raw);
      if (pattern === "") continue;
      pattern = cleanPath(pattern);
      let exclusion = false;
      if (pattern.startsWith("!")) {
        if (pattern.length === 1) throw new InvalidOptionError(".dockerignore", 'illegal exclusion pattern: "!"');
        exclusion = true;
        pattern = pattern.slice(1);
      }
      compiled.push(compilePattern(pattern, exclusion));
    }
    this.patterns = compiled;
    this.hasExclusions = compiled.some((p) => p.exclusion);
  }

  /**
   * True if `path` (slash-separated, relative to the context) is excluded, checking the path
   * and each of its parent directories: patternmatcher `MatchesOrParentMatches`.
   */
  matches(path: string): boolean {
    const file = cleanPath(path);
    if (file === ".") return false;
    const parents = parentPrefixes(file);
    let matched = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.matches(file);
      for (let i = 0; !match && i < parents.length; i++) match = pattern.matches(parents[i]!);
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * The walking form, patternmatcher `MatchesUsingParentResults`: `parent` holds the results of
   * the enclosing directory (undefined at the top, where parents are checked directly). Returns
   * whether `path` is excluded and the results its own children need.
   */
  matchesWithParent(path: string, parent: ParentMatches | undefined): { excluded: boolean; results: ParentMatches } {
    const results: boolean[] = new Array<boolean>(this.patterns.length).fill(false);
    let matched = false;
    let parents: string[] | undefined;
    for (let i = 0; i < this.patterns.length; i++) {
      const pattern = this.patterns[i]!;
      let match = parent !== undefined && parent[i] === true;
      if (!match) {
        if (pattern.exclusion !== matched) continue;
        match = pattern.matches(path);
        if (!match && parent === undefined) {
          parents ??= parentPrefixes(path);
          for (let j = 0; !match && j < parents.length; j++) match = pattern.matches(parents[j]!);
        }
      }
      results[i] = match;
      if (match) matched = !pattern.exclusion;
    }
    return { excluded: matched, results };
  }

  /**
   * Whether an excluded directory must still be walked because an exception could re-include
   * something inside it (the archive walker's prefix test in moby `pkg/archive`).
   */
  mayIncludeBelow(directory: string): boolean {
    if (!this.hasExclusions) return false;
    const dirSlash = `${directory}/`;
    return this.patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(dirSlash));
  }
}

/** "a/b/c" → ["a", "a/b"]. */
function parentPrefixes(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/**
 * Compiles one pattern the way patternmatcher does: exact, prefix (`foo/**`), suffix
 * (`**` + `/foo`, `**.txt`) or a regular expression, chosen by which wildcards appear.
 */
function compilePattern(pattern: string, exclusion: boolean): IgnorePattern {
  validateGlob(pattern);
  type Kind = "exact" | "prefix" | "suffix" | "regexp";
  let kind: Kind = "exact";
  let source = "^";
  const chars = Array.from(pattern);
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (inClass) {
      if (ch === "\\" && i + 1 < chars.length) {
        source += classLiteral(chars[++i]!);
      } else if (ch === "]") {
        source += "]";
        inClass = false;
      } else if (ch === "^" && chars[i - 1] === "[") {
        source += "^";
      } else if (ch === "-") {
        source += "-";
      } else {
        source += classLiteral(ch);
      }
      continue;
    }
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        if (i + 1 >= chars.length) {
          // "**" at the end matches everything below.
          if (kind === "exact") kind = "prefix";
          else {
            source += ".*";
            kind = "regexp";
          }
        } else {
          source += "(?:.*/)?";
          kind = "regexp";
        }
        // "**" first: a suffix test, unless later wildcards make it a regexp again.
        if (i <= 2 && chars[0] === "*" && chars[1] === "*") kind = "suffix";
      } else {
        source += "[^/]*";
        kind = "regexp";
      }
    } else if (ch === "?") {
      source += "[^/]";
      kind = "regexp";
    } else if (ch === "\\") {
      if (i + 1 < chars.length) {
        source += literal(chars[++i]!);
        kind = "regexp";
      } else {
        source += "\\\\";
      }
    } else if (ch === "[") {
      source += "[";
      inClass = true;
      kind = "regexp";
    } else {
      source += literal(ch);
    }
  }

  if (kind === "exact") return { pattern, exclusion, matches: (path) => path === pattern };
  if (kind === "prefix") {
    const prefix = pattern.slice(0, -2);
    return { pattern, exclusion, matches: (path) => path.startsWith(prefix) };
  }
  if (kind === "suffix") {
    const suffix = pattern.slice(2);
    return {
      pattern,
      exclusion,
      // "**/foo" also matches "foo" itself.
      matches: (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1)),
    };
  }
  // "u": `?` and classes match whole code points, like Go's regexp on UTF-8.
  const regexp = new RegExp(`${source}$`, "su");
  return { pattern, exclusion, matches: (path) => regexp.test(path) };
}

function literal(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function classLiteral(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Rejects what Go's `filepath.Match` reports as `ErrBadPattern` (patternmatcher calls it for
 * that): an unclosed or empty class, `-` or `]` where a class character is expected, and a
 * trailing `\`.
 */
function validateGlob(pattern: string): void {
  const bad = (reason: string) => new InvalidOptionError(".dockerignore", `syntax error in pattern ${JSON.stringify(pattern)}: ${reason}`);
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "\\") {
      if (i + 1 >= chars.length) throw bad("trailing backslash");
      i++;
      continue;
    }
    if (ch !== "[") continue;
    i++;
    if (chars[i] === "^") i++;
    let ranges = 0;
    for (;;) {
      if (i >= chars.length) throw bad("unclosed [");
      if (chars[i] === "]" && ranges > 0) break;
      i = classChar(chars, i, bad);
      if (chars[i] === "-") i = classChar(chars, i + 1, bad);
      ranges++;
    }
  }
}

/** Index after one class character (a plain or escaped one); `-` and `]` are not allowed here. */
function classChar(chars: string[], i: number, bad: (reason: string) => Error): number {
  const ch = chars[i];
  if (ch === undefined) throw bad("unclosed [");
  if (ch === "-" || ch === "]") throw bad(`unexpected ${ch} in character class`);
  if (ch === "\\") {
    if (i + 1 >= chars.length) throw bad("trailing backslash");
    return i + 2;
  }
  return i + 1;
}

/**
 * Go's `path.Clean` for slash paths: collapse `//`, drop `.` elements, resolve `..` where a
 * parent exists, no trailing slash, `.` for an empty result.
 */
export function cleanPath(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Go's `strings.TrimSpace`: Unicode white space at both ends. */
function goTrimSpace(text: string): string {
  return text.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, "");
}
