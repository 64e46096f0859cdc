/**
 * Extracting the tar archive `copyFromContainer` returns into a local directory, the way
 * `docker cp CONTAINER:PATH DEST` does.
 *
 * Why not modern-tar's own `unpackTar` (modern-tar is already a dependency, and its decoder is
 * used here): it refuses symlinks whose target lies outside the extraction directory, and a
 * container's files are full of absolute symlinks (`/bin/sh -> /bin/busybox`) that `docker cp`
 * copies as they are. Links are harmless as long as nothing is ever written *through* one, so
 * this extractor keeps every link as it is and instead refuses to write below a symlink: each
 * parent directory of an entry is checked with `lstat` (no symlink, inside the destination),
 * names with `..` are refused, and absolute names are taken relative to the destination. Files get their permission bits and
 * modification time; owners are not changed (the user running berth owns the copies, as with
 * `docker cp` without `-a`). Devices and FIFOs are skipped.
 */
import { link, lstat, mkdir, open, rm, symlink, utimes, chmod } from "node:fs/promises";
import { join } from "node:path";
import { createTarDecoder, type TarHeader } from "modern-tar";

/** A problem with the archive or the destination; main.ts prints the message and exits 1. */
export class ExtractError extends Error {
  override name = "ExtractError";
}

/** Options of `extractArchive`. */
export interface ExtractOptions {
  /** New name for the archive's top-level entry (`docker cp c:/etc/hosts ./myhosts`). */
  rename?: string | undefined;
  /** The destination name exists as a file: only a file may replace it. */
  replacingFile?: boolean | undefined;
}

/** Extracts `archive` into the existing directory `destination`; see the file comment. */
export async function extractArchive(
  archive: ReadableStream<Uint8Array>,
  destination: string,
  options: ExtractOptions = {},
): Promise<void> {
  const checkedDirs = new Set<string>([destination]);
  const directories: { path: string; header: TarHeader }[] = [];
  const entries = archive.pipeThrough(createTarDecoder());
  for await (const entry of entries as unknown as AsyncIterable<{ header: TarHeader; body: ReadableStream<Uint8Array> }>) {
    const { header, body } = entry;
    const parts = archivePath(header.name, options.rename);
    if (parts.length === 0) {
      await body.cancel();
      continue;
    }
    const type = header.type ?? "file";
    if (options.replacingFile && parts.length === 1 && type === "directory") {
      await body.cancel();
      throw new ExtractError("cannot copy a directory to a file: the destination exists and is not a directory");
    }
    const path = join(destination, ...parts);
    await prepareParents(destination, parts, checkedDirs);
    switch (type) {
      case "directory":
        await body.cancel();
        await makeDirectory(path);
        checkedDirs.add(path);
        directories.push({ path, header });
        break;
      case "file":
        await removeUnlessDirectory(path);
        await writeFile(path, body, header);
        break;
      case "symlink":
        await body.cancel();
        await removeUnlessDirectory(path);
        await symlink(header.linkname ?? "", path);
        break;
      case "link": {
        await body.cancel();
        const target = join(destination, ...archivePath(header.linkname ?? "", options.rename));
        await removeUnlessDirectory(path);
        await link(target, path);
        break;
      }
      default:
        await body.cancel();
    }
  }
  // Directory modes and times last: a read-only directory must not stop its own contents.
  for (const { path, header } of directories.reverse()) {
    if (header.mode !== undefined) await chmod(path, header.mode & 0o7777);
    if (header.mtime) await utimes(path, header.mtime, header.mtime).catch(() => undefined);
  }
}

/** The entry's path components, with the top-level one renamed; refuses `..` and absolute names. */
export function archivePath(name: string, rename: string | undefined): string[] {
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new ExtractError(`refusing archive entry ${JSON.stringify(name)}: it points outside the destination`);
  if (rename !== undefined && parts.length > 0) parts[0] = rename;
  return parts;
}

/** Makes sure every parent of the entry is a real directory inside `destination` (never a symlink). */
async function prepareParents(destination: string, parts: readonly string[], checked: Set<string>): Promise<void> {
  let current = destination;
  for (const part of parts.slice(0, -1)) {
    current = join(current, part);
    if (checked.has(current)) continue;
    const stats = await lstat(current).catch(() => undefined);
    if (stats === undefined) await mkdir(current);
    else if (stats.isSymbolicLink()) throw new ExtractError(`refusing to write through the symlink ${current}`);
    else if (!stats.isDirectory()) throw new ExtractError(`${current} exists and is not a directory`);
    checked.add(current);
  }
}

async function makeDirectory(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isDirectory()) return;
  if (stats) await rm(path, { force: true });
  await mkdir(path);
}

/** Removes a file or symlink in the way (never following it); a directory in the way is an error. */
async function removeUnlessDirectory(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return;
  if (stats.isDirectory()) throw new ExtractError(`cannot overwrite the directory ${path} with a non-directory`);
  await rm(path, { force: true });
}

async function writeFile(path: string, body: ReadableStream<Uint8Array>, header: TarHeader): Promise<void> {
  // "wx": the path was just cleared, so an existing file here means something raced us.
  const handle = await open(path, "wx", header.mode === undefined ? 0o644 : header.mode & 0o777);
  try {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.byteLength) offset += (await handle.write(value, offset)).bytesWritten;
    }
    // The create mode is filtered by the umask; set the archive's bits exactly.
    if (header.mode !== undefined) await handle.chmod(header.mode & 0o7777);
  } finally {
    await handle.close();
  }
  if (header.mtime) await utimes(path, header.mtime, header.mtime).catch(() => undefined);
}
