/**
 * `berth cp`'s extractor: docker cp's copying of links as they are (absolute symlinks
 * included), modes, renaming of the top entry, and the refusals that keep writes inside the
 * destination (`..` names, writing through a symlink an earlier entry made).
 */
import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packTar, type TarEntry } from "modern-tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { archivePath, extractArchive } from "../../src/cli/extract-archive.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-extract-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function archive(entries: TarEntry[]): Promise<ReadableStream<Uint8Array>> {
  const bytes = await packTar(entries);
  return new ReadableStream({
    start(controller) {
      // Odd-sized chunks, as a socket delivers them.
      for (let offset = 0; offset < bytes.length; offset += 777) controller.enqueue(bytes.subarray(offset, offset + 777));
      controller.close();
    },
  });
}

const TREE: TarEntry[] = [
  { header: { name: "data/", type: "directory", size: 0, mode: 0o750 } },
  { header: { name: "data/a.txt", type: "file", size: 6, mode: 0o640, mtime: new Date("2020-01-02T03:04:05Z") }, body: "hello\n" },
  { header: { name: "data/run.sh", type: "file", size: 3, mode: 0o755 }, body: "ok\n" },
  { header: { name: "data/abs", type: "symlink", size: 0, linkname: "/bin/busybox" } },
  { header: { name: "data/rel", type: "symlink", size: 0, linkname: "a.txt" } },
  { header: { name: "data/hard", type: "link", size: 0, linkname: "data/a.txt" } },
  { header: { name: "data/dev", type: "character-device", size: 0 } },
];

describe("extractArchive", () => {
  it("writes files, modes, times and links as they are, absolute symlinks included", async () => {
    await extractArchive(await archive(TREE), dir);
    expect(await readFile(join(dir, "data/a.txt"), "utf8")).toBe("hello\n");
    expect((await stat(join(dir, "data/a.txt"))).mode & 0o777).toBe(0o640);
    expect((await stat(join(dir, "data/run.sh"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, "data"))).mode & 0o777).toBe(0o750);
    expect((await stat(join(dir, "data/a.txt"))).mtime.toISOString()).toBe("2020-01-02T03:04:05.000Z");
    expect(await readlink(join(dir, "data/abs"))).toBe("/bin/busybox");
    expect(await readlink(join(dir, "data/rel"))).toBe("a.txt");
    expect((await stat(join(dir, "data/hard"))).ino).toBe((await stat(join(dir, "data/a.txt"))).ino);
    await expect(lstat(join(dir, "data/dev"))).rejects.toThrow(/ENOENT/);
  });

  it("renames the top-level entry (and hard link targets with it)", async () => {
    await extractArchive(await archive(TREE), dir, { rename: "copy" });
    expect(await readFile(join(dir, "copy/a.txt"), "utf8")).toBe("hello\n");
    expect((await stat(join(dir, "copy/hard"))).ino).toBe((await stat(join(dir, "copy/a.txt"))).ino);
  });

  it("replaces an existing file with a file, never following a symlink in its place", async () => {
    const outside = join(dir, "outside.txt");
    await writeFile(outside, "untouched\n");
    const { symlink, mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "dest"));
    await symlink(outside, join(dir, "dest", "a.txt"));
    await extractArchive(await archive([{ header: { name: "a.txt", type: "file", size: 4 }, body: "new\n" }]), join(dir, "dest"));
    expect(await readFile(join(dir, "dest", "a.txt"), "utf8")).toBe("new\n");
    expect(await readFile(outside, "utf8")).toBe("untouched\n");
  });

  it("refuses a directory onto a file", async () => {
    await expect(extractArchive(await archive(TREE), dir, { rename: "x", replacingFile: true })).rejects.toThrow(
      /cannot copy a directory to a file/,
    );
  });

  it("refuses names with .. and writing through a symlink the archive made", async () => {
    await expect(extractArchive(await archive([{ header: { name: "../evil", type: "file", size: 1 }, body: "x" }]), dir)).rejects.toThrow(
      /points outside the destination/,
    );
    const escape = [
      { header: { name: "link", type: "symlink", size: 0, linkname: tmpdir() } },
      { header: { name: "link/evil.txt", type: "file", size: 1 }, body: "x" },
    ] as TarEntry[];
    await expect(extractArchive(await archive(escape), dir)).rejects.toThrow(/refusing to write through the symlink/);
    await expect(lstat(join(tmpdir(), "evil.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("archivePath drops empty and . components", () => {
    expect(archivePath("./a//b/", undefined)).toEqual(["a", "b"]);
    expect(archivePath("/abs/x", "y")).toEqual(["y", "x"]);
  });
});
