/**
 * A build context directory as a streamed tar archive, prepared the way `docker build PATH`
 * prepares it (docker/cli `cli/command/image/build.go` `RunBuild` and `build/context.go`):
 *
 * - the context path is made absolute and its symlinks resolved (`ResolveAndValidateContextPath`);
 * - the Dockerfile is `Dockerfile`, or `dockerfile` when only that exists; a given path is
 *   relative to the context, its symlinks resolved, and it must lie inside the context
 *   (`getDockerfileRelPath`);
 * - `.dockerignore` patterns are read and, if they exclude the Dockerfile or `.dockerignore`
 *   itself, an exception is appended for each (`TrimBuildFilesFromExcludes`): the daemon needs
 *   both and removes them from the build itself when the ignore file says so;
 * - entries are owned by 0:0 (`ChownOpts`), keep their permission bits (setuid/setgid/sticky
 *   included) and their mtime in whole seconds; symlinks stay symlinks, hard links become links.
 *
 * The archive is produced on demand: nothing is read before the first chunk is pulled, files
 * are opened one at a time and read in chunks, and the tar writer holds at most a few MiB
 * when the consumer is slower than the disk (modern-tar's packer applies backpressure).
 */
import type { Stats } from "node:fs";
import { open, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { createTarPacker, TarHeader, TarPackController } from "modern-tar";
import { InvalidOptionError } from "../errors.js";
import { DockerignoreMatcher, parseDockerignore } from "./dockerignore.js";
import { BuildContextError } from "./errors.js";
import type { ContextEntry, walkContext } from "./walk.js";

/** The Dockerfile name `docker build` looks for. */
export const DEFAULT_DOCKERFILE = "Dockerfile";
/** The ignore file `docker build` reads from the context root. */
export const DOCKERIGNORE = ".dockerignore";
const DEFAULT_READ_CHUNK_BYTES = 64 * 1024;

/** Options of `tarDirectory` and `openBuildContext`. */
export interface TarDirectoryOptions {
  /** The Dockerfile, relative to the context (absolute paths inside it work too). Default `Dockerfile`. */
  dockerfile?: string | undefined;
  /** The ignore file, relative to the context or absolute. Default `.dockerignore` in the context (optional). */
  ignoreFile?: string | undefined;
  /** More patterns, applied after the ignore file's (same syntax, `!` exceptions included). */
  exclude?: readonly string[] | undefined;
  /** Bytes read from a file per chunk (default 64 KiB). */
  readChunkBytes?: number | undefined;
}

/** A prepared build context. */
export interface BuildContextArchive {
  /** The tar stream: the body of `POST /build` (Content-Type `application/x-tar`). Read it once. */
  body: ReadableStream<Uint8Array>;
  /** The Dockerfile's path inside the archive: the `dockerfile` query parameter of `POST /build`. */
  dockerfile: string;
  /** The resolved context directory. */
  contextDir: string;
  /** The patterns in effect, including the exceptions that keep the Dockerfile and `.dockerignore`. */
  excludes: readonly string[];
}

/**
 * Prepares a directory as a build context: validates it, reads the ignore file and returns the
 * lazily produced tar stream with the Dockerfile's path inside it.
 * @throws InvalidOptionError when the context is not a directory, the Dockerfile is missing or
 *   outside the context, the ignore file is missing (when named) or has a malformed pattern.
 *   Read errors while streaming error the stream with a BuildContextError.
 */
export async function openBuildContext(directory: string, options: TarDirectoryOptions = {}): Promise<BuildContextArchive> {
  const contextDir = await resolveContextDir(directory);
  const dockerfile = await resolveDockerfile(contextDir, options.dockerfile);
  const patterns = [...(await readIgnorePatterns(contextDir, options.ignoreFile)), ...(options.exclude ?? [])];
  const excludes = keepBuildFiles(patterns, dockerfile);
  const matcher = new DockerignoreMatcher(excludes);
  const chunkBytes = options.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes <= 0) throw new InvalidOptionError("readChunkBytes", "must be a positive integer");
  return { body: archiveStream(contextDir, matcher, chunkBytes, await loadArchiveTools()), dockerfile, contextDir, excludes };
}

/** The tar writer and the directory walk: loaded with the first build context, not by `import "berth"` (cold start). */
interface ArchiveTools {
  createTarPacker: typeof createTarPacker;
  walkContext: typeof walkContext;
}

async function loadArchiveTools(): Promise<ArchiveTools> {
  const [{ createTarPacker }, { walkContext }] = await Promise.all([import("modern-tar"), import("./walk.js")]);
  return { createTarPacker, walkContext };
}

/**
 * Tars a build context directory honouring `.dockerignore`; see `openBuildContext`, which also
 * returns the Dockerfile path to send as the `dockerfile` query parameter.
 */
export async function tarDirectory(directory: string, options: TarDirectoryOptions = {}): Promise<ReadableStream<Uint8Array>> {
  return (await openBuildContext(directory, options)).body;
}

/**
 * Tars a directory as it is (no Dockerfile needed, no ignore file read): the body of an archive
 * upload (`PUT /containers/{id}/archive`), with the directory's contents at the archive's root.
 * `exclude` takes `.dockerignore` patterns.
 */
export async function archiveDirectory(
  directory: string,
  options: { exclude?: readonly string[] | undefined; readChunkBytes?: number | undefined } = {},
): Promise<ReadableStream<Uint8Array>> {
  const contextDir = await resolveContextDir(directory);
  const chunkBytes = options.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES;
  return archiveStream(contextDir, new DockerignoreMatcher([...(options.exclude ?? [])]), chunkBytes, await loadArchiveTools());
}

/**
 * The CLI's `TrimBuildFilesFromExcludes`: exceptions so `.dockerignore` and the Dockerfile are
 * always sent even when the patterns exclude them.
 */
export function keepBuildFiles(patterns: readonly string[], dockerfile: string): string[] {
  const excludes = [...patterns];
  if (excludes.length === 0) return excludes;
  if (new DockerignoreMatcher(excludes).matches(DOCKERIGNORE)) excludes.push(`!${DOCKERIGNORE}`);
  if (new DockerignoreMatcher(excludes).matches(dockerfile)) excludes.push(`!${dockerfile}`);
  return excludes;
}

async function resolveContextDir(directory: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(directory));
  } catch (error) {
    throw new InvalidOptionError("context", `cannot resolve ${JSON.stringify(directory)} (${codeOf(error)})`);
  }
  const stats = await stat(real);
  if (!stats.isDirectory()) throw new InvalidOptionError("context", `${JSON.stringify(real)} is not a directory`);
  return real;
}

async function resolveDockerfile(contextDir: string, given: string | undefined): Promise<string> {
  let candidate: string;
  if (given === undefined || given === "") {
    candidate = join(contextDir, DEFAULT_DOCKERFILE);
    // "Just to be nice" (getDockerfileRelPath): a lower-case `dockerfile` when `Dockerfile` is absent.
    if (!(await exists(candidate)) && (await exists(join(contextDir, "dockerfile")))) candidate = join(contextDir, "dockerfile");
  } else {
    candidate = resolve(contextDir, given);
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new InvalidOptionError("dockerfile", `cannot locate Dockerfile: ${JSON.stringify(candidate)}`);
  }
  if (!(await stat(real)).isFile()) throw new InvalidOptionError("dockerfile", `${JSON.stringify(candidate)} is not a file`);
  const inside = relative(contextDir, real);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new InvalidOptionError("dockerfile", `the Dockerfile (${JSON.stringify(given ?? candidate)}) must be within the build context`);
  }
  return sep === "/" ? inside : inside.split(sep).join("/");
}

async function readIgnorePatterns(contextDir: string, ignoreFile: string | undefined): Promise<string[]> {
  const path = ignoreFile === undefined ? join(contextDir, DOCKERIGNORE) : resolve(contextDir, ignoreFile);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT" && ignoreFile === undefined) return [];
    throw new InvalidOptionError("ignoreFile", `cannot read ${JSON.stringify(path)} (${codeOf(error)})`);
  }
  return parseDockerignore(text);
}

/**
 * The pull-driven tar stream. The walk and the tar writer start on the first read (a
 * high-water mark of 0 keeps the outer stream from pulling early); cancelling it stops both
 * and closes the open file.
 */
function archiveStream(root: string, matcher: DockerignoreMatcher, chunkBytes: number, tools: ArchiveTools): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (reader === undefined) {
          const packer = tools.createTarPacker();
          reader = packer.readable.getReader();
          void produce(tools.walkContext(root, matcher), packer.controller, chunkBytes);
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        await reader?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

async function produce(entries: AsyncIterable<ContextEntry>, tar: TarPackController, chunkBytes: number): Promise<void> {
  try {
    for await (const entry of entries) await writeEntry(tar, entry, chunkBytes);
    tar.finalize();
  } catch (error) {
    // Also reached when the consumer cancelled: the packer is stopped then and ignores this.
    tar.error(error);
  }
}

async function writeEntry(tar: TarPackController, entry: ContextEntry, chunkBytes: number): Promise<void> {
  const base = headerBase(entry.stats);
  switch (entry.kind) {
    case "directory":
      return tar.add({ ...base, name: `${entry.path}/`, type: "directory", size: 0 }).close();
    case "symlink":
      return tar.add({ ...base, name: entry.path, type: "symlink", size: 0, linkname: entry.target }).close();
    case "hardlink":
      return tar.add({ ...base, name: entry.path, type: "link", size: 0, linkname: entry.target }).close();
    case "fifo":
      return tar.add({ ...base, name: entry.path, type: "fifo", size: 0 }).close();
    case "file":
      return writeFile(
        tar,
        entry.path,
        entry.absolutePath,
        { ...base, name: entry.path, type: "file", size: entry.stats.size },
        chunkBytes,
      );
  }
}

async function writeFile(tar: TarPackController, path: string, absolutePath: string, header: TarHeader, chunkBytes: number): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(absolutePath, "r");
  } catch (error) {
    throw new BuildContextError(path, `cannot open for reading (${codeOf(error)})`, error);
  }
  try {
    const writer = tar.add(header).getWriter();
    let position = 0;
    while (position < header.size) {
      // A fresh buffer per chunk: the tar stream hands chunks on without copying them.
      const buffer = new Uint8Array(Math.min(chunkBytes, header.size - position));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position));
      } catch (error) {
        throw new BuildContextError(path, `read failed (${codeOf(error)})`, error);
      }
      if (bytesRead === 0) throw new BuildContextError(path, `file shrank while being archived (${position} of ${header.size} bytes)`);
      await writer.write(bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    await writer.close();
  } finally {
    await handle.close();
  }
}

function headerBase(stats: Stats): Pick<TarHeader, "mode" | "mtime" | "uid" | "gid"> {
  return { mode: stats.mode & 0o7777, mtime: new Date(Math.floor(stats.mtimeMs / 1000) * 1000), uid: 0, gid: 0 };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "I/O error";
}
