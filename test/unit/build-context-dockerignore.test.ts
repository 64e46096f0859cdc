import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/index.js";
import { DockerignoreMatcher, cleanPath, parseDockerignore } from "../../src/build-context/dockerignore.js";
import { keepBuildFiles } from "../../src/build-context/tar-directory.js";

const excluded = (patterns: string[], path: string) => new DockerignoreMatcher(patterns).matches(path);

describe("parseDockerignore (buildkit dockerignore.ReadAll rules)", () => {
  it("drops comments and blank lines, trims, cleans, strips a leading slash, keeps exceptions", () => {
    const text = [
      "\uFEFFfirst",
      "# a comment",
      "",
      "   ",
      "  spaced  ",
      "/abs/path",
      "a//b/./c/../d/",
      "! /inverted/abs",
      "!  x ",
      "  # not a comment",
      "/",
      "!",
    ].join("\r\n");
    expect(parseDockerignore(text)).toEqual(["first", "spaced", "abs/path", "a/b/d", "!inverted/abs", "!x", "# not a comment", "/", "!"]);
  });
});

describe("cleanPath (Go path.Clean)", () => {
  it.each([
    ["", "."],
    [".", "."],
    ["a/b/", "a/b"],
    ["a//b", "a/b"],
    ["./a/./b", "a/b"],
    ["a/../..", ".."],
    ["../a/../b", "../b"],
    ["/../a", "/a"],
    ["/", "/"],
  ])("%j → %j", (input, output) => {
    expect(cleanPath(input)).toBe(output);
  });
});

describe("DockerignoreMatcher (moby/patternmatcher rules)", () => {
  it("* and ? stay within one path element", () => {
    expect(excluded(["*.log"], "app.log")).toBe(true);
    expect(excluded(["*.log"], "logs/app.log")).toBe(false);
    expect(excluded(["a?c"], "abc")).toBe(true);
    expect(excluded(["a?c"], "a/c")).toBe(false);
    expect(excluded(["*/tmp/*"], "x/tmp/y")).toBe(true);
    expect(excluded(["*/tmp/*"], "tmp/y")).toBe(false);
  });

  it("** spans any number of directories, zero included", () => {
    expect(excluded(["**/*.log"], "app.log")).toBe(true);
    expect(excluded(["**/*.log"], "a/b/c/app.log")).toBe(true);
    expect(excluded(["src/**/test"], "src/test")).toBe(true);
    expect(excluded(["src/**/test"], "src/a/b/test")).toBe(true);
    expect(excluded(["src/**/test"], "src/a/btest")).toBe(false);
    // Leading ** is patternmatcher's suffix test: "**.txt" excludes every .txt file.
    expect(excluded(["**.txt"], "deep/dir/notes.txt")).toBe(true);
    expect(excluded(["**/node_modules"], "node_modules")).toBe(true);
    expect(excluded(["**/node_modules"], "pkg/node_modules/x/index.js")).toBe(true);
    // Trailing ** is a prefix test: everything below, not the directory itself.
    expect(excluded(["build/**"], "build/a/b")).toBe(true);
    expect(excluded(["build/**"], "build")).toBe(false);
    expect(excluded(["**"], "anything/at/all")).toBe(true);
  });

  it("a pattern excludes everything below a directory it matches", () => {
    expect(excluded(["dir"], "dir/file")).toBe(true);
    expect(excluded(["dir"], "dir/sub/file")).toBe(true);
    expect(excluded(["dir"], "dirx")).toBe(false);
    expect(excluded(["dir/*"], "dir/a/b")).toBe(true);
    expect(excluded(["dir/*"], "dir")).toBe(false);
    expect(excluded(["a*/b"], "ax/b/c")).toBe(true);
  });

  it("patterns are anchored at the context root, unlike .gitignore", () => {
    expect(excluded(["secret"], "secret")).toBe(true);
    expect(excluded(["secret"], "nested/secret")).toBe(false);
  });

  it("a later pattern overrides an earlier one; ! re-includes", () => {
    expect(excluded(["*.md", "!README.md"], "README.md")).toBe(false);
    expect(excluded(["*.md", "!README.md"], "CHANGES.md")).toBe(true);
    expect(excluded(["*.md", "!README*.md", "README-secret.md"], "README-secret.md")).toBe(true);
    expect(excluded(["*.md", "!README*.md", "README-secret.md"], "README-public.md")).toBe(false);
    expect(excluded(["dir", "!dir/keep"], "dir/keep")).toBe(false);
    expect(excluded(["dir", "!dir/keep"], "dir/keep/inner")).toBe(false);
    expect(excluded(["dir", "!dir/keep"], "dir/other")).toBe(true);
    expect(excluded(["!never-excluded"], "never-excluded")).toBe(false);
  });

  it("character classes, negated classes and escapes", () => {
    expect(excluded(["[a-c]x"], "bx")).toBe(true);
    expect(excluded(["[a-c]x"], "dx")).toBe(false);
    expect(excluded(["[^a]x"], "bx")).toBe(true);
    expect(excluded(["[^a]x"], "ax")).toBe(false);
    expect(excluded(["\\*star"], "*star")).toBe(true);
    expect(excluded(["\\*star"], "xstar")).toBe(false);
    expect(excluded(["[*]"], "*")).toBe(true);
    expect(excluded(["[*]"], "x")).toBe(false);
  });

  it("regexp metacharacters that are not glob syntax are literal (where @balena/dockerignore differs)", () => {
    expect(excluded(["a+b"], "a+b")).toBe(true);
    expect(excluded(["a+b"], "aab")).toBe(false);
    expect(excluded(["(copy)"], "(copy)")).toBe(true);
    expect(excluded(["{a,b}"], "{a,b}")).toBe(true);
    expect(excluded(["{a,b}"], "a")).toBe(false);
    expect(excluded(["x|y"], "x")).toBe(false);
    expect(excluded(["$HOME"], "$HOME")).toBe(true);
    expect(excluded(["c++/*.o"], "c++/main.o")).toBe(true);
  });

  it("is case-sensitive (the Linux CLI)", () => {
    expect(excluded(["README"], "readme")).toBe(false);
  });

  it("? matches one character, astral ones included", () => {
    expect(excluded(["?.txt"], "😀.txt")).toBe(true);
    expect(excluded(["é*"], "été")).toBe(true);
  });

  it("rejects what filepath.Match calls a bad pattern, and a lone !", () => {
    for (const bad of ["!", "[", "a[b", "a\\", "[]", "[a-]", "[-a]"]) {
      expect(() => new DockerignoreMatcher([bad]), bad).toThrow(InvalidOptionError);
    }
    expect(() => new DockerignoreMatcher(["[]a]"])).toThrow(InvalidOptionError);
    expect(() => new DockerignoreMatcher(["[\\]]", "[a\\-z]"])).not.toThrow();
  });

  it("never excludes the context root", () => {
    expect(excluded(["*"], ".")).toBe(false);
    expect(excluded(["*"], "")).toBe(false);
  });

  it("matchesWithParent agrees with matches when walking top-down", () => {
    const patterns = ["dir", "!dir/keep", "**/*.tmp", "!**/keep.tmp", "docs/*", "!docs/README.md"];
    const matcher = new DockerignoreMatcher(patterns);
    const tree = [
      "dir",
      "dir/keep",
      "dir/keep/a.tmp",
      "dir/keep/keep.tmp",
      "dir/x",
      "docs",
      "docs/README.md",
      "docs/other.md",
      "src",
      "src/a.tmp",
      "src/keep.tmp",
    ];
    const results = new Map<string, readonly boolean[]>();
    for (const path of tree) {
      const parentPath = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : undefined;
      const { excluded: walked, results: own } = matcher.matchesWithParent(
        path,
        parentPath === undefined ? undefined : results.get(parentPath),
      );
      results.set(path, own);
      expect(walked, path).toBe(matcher.matches(path));
    }
  });
});

describe("keepBuildFiles (the CLI's TrimBuildFilesFromExcludes)", () => {
  it("adds exceptions for .dockerignore and the Dockerfile only when they are excluded", () => {
    expect(keepBuildFiles(["*.log"], "Dockerfile")).toEqual(["*.log"]);
    expect(keepBuildFiles(["*"], "Dockerfile")).toEqual(["*", "!.dockerignore", "!Dockerfile"]);
    expect(keepBuildFiles(["build"], "build/Dockerfile.dev")).toEqual(["build", "!build/Dockerfile.dev"]);
    expect(keepBuildFiles([], "Dockerfile")).toEqual([]);
  });
});
