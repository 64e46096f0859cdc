/**
 * Fixtures of the DockerClient integration suites: tar archives made and read in memory
 * (modern-tar, already a dependency of the build-context code), tiny HTTP servers the daemon
 * can fetch from (build `remote`, import `fromSrc=<url>`, a fake v1 search index), and a
 * tracker that removes every container and image a suite created.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { packTar, unpackTar } from "modern-tar";
import type { DockerClient } from "../../src/client/index.js";
import { isDockerError } from "../../src/index.js";

/** A tar archive holding `files` (name → content), made in memory. */
export function tarOf(files: Record<string, string | Uint8Array>): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  return packTar(
    Object.entries(files).map(([name, content]) => {
      const data = typeof content === "string" ? encoder.encode(content) : content;
      return { header: { name, size: data.byteLength, mode: 0o644, mtime: new Date(0) }, body: data };
    }),
  );
}

/** The files of a tar archive (name without `./` → content as text). Directories are left out. */
export async function filesOf(archive: Uint8Array | ReadableStream<Uint8Array>): Promise<Map<string, string>> {
  const entries = await unpackTar(archive);
  const files = new Map<string, string>();
  const decoder = new TextDecoder();
  for (const entry of entries) {
    if (entry.header.type !== undefined && entry.header.type !== "file") continue;
    files.set(entry.header.name.replace(/^\.\//, ""), decoder.decode(entry.data ?? new Uint8Array()));
  }
  return files;
}

/** An HTTP server on 127.0.0.1 (where the test daemon, on the same host, can reach it). */
export interface LocalServer {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `routes` (path → body; `application/json` for objects). Anything else is a 404. */
export async function serve(routes: Record<string, string | Uint8Array | object>): Promise<LocalServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    requests.push(req.url ?? "/");
    const body = routes[path];
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    if (body instanceof Uint8Array) res.writeHead(200, { "content-type": "application/x-tar" }).end(body);
    else if (typeof body === "string") res.writeHead(200, { "content-type": "text/plain" }).end(body);
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Removes what a suite created, whatever state it is in. */
export class Created {
  readonly containers = new Set<string>();
  readonly images = new Set<string>();
  constructor(private readonly docker: DockerClient) {}

  container<T extends { Id: string }>(created: T): T {
    this.containers.add(created.Id);
    return created;
  }

  image(name: string): string {
    this.images.add(name);
    return name;
  }

  async removeAll(): Promise<void> {
    for (const id of this.containers) await ignoreMissing(this.docker.removeContainer({ id, force: true, removeVolumes: true }));
    this.containers.clear();
    for (const name of [...this.images].reverse()) await ignoreMissing(this.docker.removeImage({ name, force: true }));
    this.images.clear();
  }
}

async function ignoreMissing(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(isDockerError(error) && "status" in error && (error as { status: number }).status === 404)) throw error;
  }
}

/** A Node Readable-like async iterable yielding `bytes` in small chunks (an upload that is really streamed). */
export async function* chunked(bytes: Uint8Array, size = 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}
