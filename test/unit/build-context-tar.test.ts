import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/index.js";
import { openBuildContext, tarDirectory } from "../../src/build-context/tar-directory.js";

/** One entry of a tar archive, read by the small independent reader below. */
interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  content: Uint8Array;
}

/**
 * A minimal ustar + PAX reader, independent of the library that writes the archives: 512-byte
 * headers, octal numbers, a `prefix` field, PAX `path`/`linkpath`/`size` records, padding to
 * 512 bytes and the two zero blocks at the end.
 */
function readTar(bytes: Uint8Array): TarEntry[] {
  const text = (from: number, length: number) => {
    const slice = bytes.subarray(from, from + length);
    const end = slice.indexOf(0);
    return new TextDecoder().decode(end === -1 ? slice : slice.subarray(0, end));
  };
  const octal = (from: number, length: number) => parseInt(text(from, length).trim() || "0", 8);
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  for (;;) {
    if (offset + 512 > bytes.length) throw new Error("archive ends without the end-of-archive blocks");
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) {
      expect(bytes.subarray(offset, offset + 1024).every((b) => b === 0)).toBe(true);
      return entries;
    }
    let checksum = 0;
    for (let i = 0; i < 512; i++) checksum += i >= 148 && i < 156 ? 32 : header[i]!;
    expect(checksum, `checksum of header at ${offset}`).toBe(octal(offset + 148, 8));
    expect(text(offset + 257, 6)).toBe("ustar");
    const headerStart = offset;
    const type = String.fromCharCode(header[156]!);
    const size = octal(headerStart + 124, 12);
    const body = bytes.subarray(headerStart + 512, headerStart + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      pax = {};
      const records = new TextDecoder().decode(body);
      for (const match of records.matchAll(/(\d+) ([^=]+)=([^\n]*)\n/g)) pax[match[2]!] = match[3]!;
      continue;
    }
    const prefix = text(headerStart + 345, 155);
    const base = text(headerStart, 100);
    entries.push({
      name: pax["path"] ?? (prefix ? `${prefix}/${base}` : base),
      type,
      mode: octal(headerStart + 100, 8),
      uid: octal(headerStart + 108, 8),
      gid: octal(headerStart + 116, 8),
      size,
      mtime: octal(headerStart + 136, 12),
      linkname: pax["linkpath"] ?? text(headerStart + 157, 100),
      content: body.slice(),
    });
    pax = {};
  }
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

const MTIME = new Date("2020-01-02T03:04:05.678Z");
const LONG_DIR = `deep/${"d".repeat(60)}/${"e".repeat(60)}`;

function write(root: string, rel: string, content: string | Uint8Array, mode = 0o644): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  fs.utimesSync(file, MTIME, MTIME);
}

/** A file of `size` zero bytes that takes no disk space (and no memory to create). */
function sparseFile(file: string, size: number): void {
  fs.closeSync(fs.openSync(file, "w"));
  fs.truncateSync(file, size);
}

/** The context used by most tests. */
function makeContext(): string {
  const root = tempDir("berth-ctx-");
  write(
    root,
    ".dockerignore",
    "# context for berth's tests\n*.log\n!keep.log\nsecret\n**/*.tmp\n!sub/keep/*.tmp\nDockerfile\n.dockerignore\n",
  );
  write(root, "Dockerfile", "FROM scratch\nCOPY . /\n");
  write(root, "a.txt", "hello\n");
  write(root, "Zed", "upper case sorts first\n");
  write(root, "app.log", "ignored\n");
  write(root, "keep.log", "excepted\n");
  write(root, "run.sh", "#!/bin/sh\necho hi\n", 0o755);
  write(root, "secret/key", "top secret\n");
  write(root, "sub/x.tmp", "ignored\n");
  write(root, "sub/keep/y.tmp", "excepted tmp\n");
  write(root, "sub/keep/z.txt", "z\n");
  write(root, `${LONG_DIR}/file.txt`, "long path\n");
  fs.mkdirSync(path.join(root, "empty"));
  fs.linkSync(path.join(root, "a.txt"), path.join(root, "hl"));
  fs.symlinkSync("a.txt", path.join(root, "link"));
  for (const dir of ["sub", "sub/keep", "secret", "empty", "deep", `deep/${"d".repeat(60)}`, LONG_DIR])
    fs.utimesSync(path.join(root, dir), MTIME, MTIME);
  return root;
}

describe("tarDirectory: what goes in the archive", () => {
  let root: string;
  let entries: TarEntry[];
  let bytes: Uint8Array;
  beforeAll(async () => {
    root = makeContext();
    bytes = await collect(await tarDirectory(root));
    entries = readTar(bytes);
  });

  it("lists kept entries depth first in byte order, directories with a trailing slash, honouring .dockerignore", () => {
    expect(entries.map((e) => e.name)).toEqual([
      ".dockerignore",
      "Dockerfile",
      "Zed",
      "a.txt",
      "deep/",
      `deep/${"d".repeat(60)}/`,
      `${LONG_DIR}/`,
      `${LONG_DIR}/file.txt`,
      "empty/",
      "hl",
      "keep.log",
      "link",
      "run.sh",
      "sub/",
      "sub/keep/",
      "sub/keep/y.tmp",
      "sub/keep/z.txt",
    ]);
  });

  it("always sends the Dockerfile and .dockerignore even when .dockerignore lists them (the CLI's rule)", () => {
    const dockerfile = entries.find((e) => e.name === "Dockerfile")!;
    expect(new TextDecoder().decode(dockerfile.content)).toBe("FROM scratch\nCOPY . /\n");
    expect(entries.some((e) => e.name === ".dockerignore")).toBe(true);
  });

  it("keeps permission bits and mtime in whole seconds, owned by 0:0", () => {
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get("a.txt")).toMatchObject({
      type: "0",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 6,
      mtime: Math.floor(MTIME.getTime() / 1000),
    });
    expect(new TextDecoder().decode(byName.get("a.txt")!.content)).toBe("hello\n");
    expect(byName.get("run.sh")).toMatchObject({ mode: 0o755 });
    expect(byName.get("sub/")).toMatchObject({ type: "5", size: 0, mtime: Math.floor(MTIME.getTime() / 1000) });
  });

  it("stores symlinks as symlinks and a second hard link as a link to the first name", () => {
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get("link")).toMatchObject({ type: "2", linkname: "a.txt", size: 0 });
    expect(byName.get("hl")).toMatchObject({ type: "1", linkname: "a.txt", size: 0 });
  });

  it("writes names longer than 100 bytes so other tar readers see them whole", () => {
    expect(`${LONG_DIR}/file.txt`.length).toBeGreaterThan(100);
    const listing = (() => {
      const file = path.join(tempDir("berth-tarfile-"), "ctx.tar");
      fs.writeFileSync(file, bytes);
      return execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
    })();
    expect(listing).toEqual(entries.map((e) => e.name));
  });

  it("is deterministic: the same tree gives the same bytes", async () => {
    const again = await collect(await tarDirectory(root));
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("openBuildContext: Dockerfile and options", () => {
  it("returns the Dockerfile path for the `dockerfile` query parameter; a lower-case dockerfile is found too", async () => {
    const root = tempDir("berth-ctx-df-");
    write(root, "dockerfile", "FROM scratch\n");
    const context = await openBuildContext(root);
    expect(context.dockerfile).toBe("dockerfile");
    expect(context.contextDir).toBe(fs.realpathSync(root));
    await context.body.cancel();
  });

  it("takes a Dockerfile path relative to the context and keeps it even when ignored", async () => {
    const root = tempDir("berth-ctx-custom-");
    write(root, "build/Dockerfile.dev", "FROM scratch\n");
    write(root, "build/other", "x\n");
    write(root, ".dockerignore", "build\n");
    const context = await openBuildContext(root, { dockerfile: "build/Dockerfile.dev" });
    expect(context.dockerfile).toBe("build/Dockerfile.dev");
    expect(context.excludes).toEqual(["build", "!build/Dockerfile.dev"]);
    expect(readTar(await collect(context.body)).map((e) => e.name)).toEqual([".dockerignore", "build/Dockerfile.dev"]);
  });

  it("resolves a symlinked Dockerfile to its target, as the CLI's EvalSymlinks", async () => {
    const root = tempDir("berth-ctx-link-");
    write(root, "real/Dockerfile", "FROM scratch\n");
    fs.symlinkSync("real/Dockerfile", path.join(root, "Dockerfile"));
    const context = await openBuildContext(root);
    expect(context.dockerfile).toBe("real/Dockerfile");
    await context.body.cancel();
  });

  it("rejects a missing Dockerfile, one outside the context, a context that is not a directory", async () => {
    const root = tempDir("berth-ctx-bad-");
    write(root, "file.txt", "x");
    await expect(openBuildContext(root)).rejects.toThrow(InvalidOptionError);
    await expect(openBuildContext(root)).rejects.toThrow(/cannot locate Dockerfile/);
    await expect(openBuildContext(root, { dockerfile: "nope/Dockerfile" })).rejects.toThrow(InvalidOptionError);
    const outside = tempDir("berth-outside-");
    write(outside, "Dockerfile", "FROM scratch\n");
    await expect(openBuildContext(root, { dockerfile: path.join(outside, "Dockerfile") })).rejects.toThrow(
      /must be within the build context/,
    );
    await expect(openBuildContext(root, { dockerfile: "../x" })).rejects.toThrow(InvalidOptionError);
    await expect(openBuildContext(path.join(root, "file.txt"))).rejects.toThrow(/not a directory/);
    await expect(openBuildContext(path.join(root, "missing"))).rejects.toThrow(InvalidOptionError);
  });

  it("reads a named ignore file, fails when it is missing, and rejects malformed patterns before streaming", async () => {
    const root = tempDir("berth-ctx-ignore-");
    write(root, "Dockerfile", "FROM scratch\n");
    write(root, "a.txt", "a");
    write(root, "b.txt", "b");
    write(root, "ci.ignore", "a.txt\n");
    const context = await openBuildContext(root, { ignoreFile: "ci.ignore", exclude: ["b.txt", "!b.txt"] });
    expect(readTar(await collect(context.body)).map((e) => e.name)).toEqual(["Dockerfile", "b.txt", "ci.ignore"]);
    await expect(openBuildContext(root, { ignoreFile: "missing.ignore" })).rejects.toThrow(InvalidOptionError);
    write(root, ".dockerignore", "[unclosed\n");
    await expect(openBuildContext(root)).rejects.toThrow(/syntax error in pattern/);
  });
});

describe("tarDirectory: streaming", () => {
  it("reads nothing before the first pull: a file added after opening is in the archive", async () => {
    const root = tempDir("berth-ctx-lazy-");
    write(root, "Dockerfile", "FROM scratch\n");
    const stream = await tarDirectory(root);
    write(root, "late.txt", "added after tarDirectory returned\n");
    expect(readTar(await collect(stream)).map((e) => e.name)).toEqual(["Dockerfile", "late.txt"]);
  });

  it("applies backpressure: a consumer that stops reading leaves at most a few MiB buffered", async () => {
    const root = tempDir("berth-ctx-slow-");
    write(root, "Dockerfile", "FROM scratch\n");
    sparseFile(path.join(root, "big.bin"), 48 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const stream = await tarDirectory(root);
    const reader = stream.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const buffered = process.memoryUsage().arrayBuffers - before;
    await reader.cancel();
    console.log(`buffered while the consumer paused: ${(buffered / 1024 / 1024).toFixed(1)} MiB of a 48 MiB file`);
    expect(buffered).toBeLessThan(16 * 1024 * 1024);
  });

  it("cancelling mid-file closes the open file", async () => {
    const root = tempDir("berth-ctx-cancel-");
    write(root, "Dockerfile", "FROM scratch\n");
    sparseFile(path.join(root, "big.bin"), 32 * 1024 * 1024);
    const fds = () => fs.readdirSync("/proc/self/fd").length;
    const baseline = fds();
    const reader = (await tarDirectory(root)).getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    expect(fds()).toBeGreaterThan(baseline);
    await reader.cancel(new Error("consumer gave up"));
    for (let i = 0; i < 50 && fds() > baseline; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fds()).toBe(baseline);
  });

  it("streams a 200 MB sparse file with bounded memory (RSS growth < 64 MiB)", async () => {
    const root = tempDir("berth-ctx-huge-");
    write(root, "Dockerfile", "FROM scratch\n");
    const huge = path.join(root, "huge.bin");
    const size = 200 * 1024 * 1024;
    sparseFile(huge, size);
    const before = process.memoryUsage().rss;
    let peak = before;
    let total = 0;
    let nextSample = 0;
    const started = performance.now();
    for await (const chunk of (await tarDirectory(root)) as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total >= nextSample) {
        peak = Math.max(peak, process.memoryUsage().rss);
        nextSample += 8 * 1024 * 1024;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const growthMiB = (peak - before) / (1024 * 1024);
    console.log(`200 MB sparse context: ${total} bytes in ${seconds.toFixed(2)} s, peak RSS growth ${growthMiB.toFixed(1)} MiB`);
    expect(total).toBeGreaterThan(size);
    expect(growthMiB).toBeLessThan(64);
  }, 120_000);
});
