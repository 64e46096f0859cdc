/**
 * berth, through the highest-level API it has: the Go-surface `DockerClient` (ping, inspect,
 * the lifecycle, export, `attachToContainer`, `containerLogs`, `onEvent` on its shared event
 * monitor). Each method below is the single place that says how berth does that operation.
 *
 * `berth-api` is the same over the typed low-level client alone (`createDockerApi` with the
 * generated v1.41 paths): not run by default; add it to the clients
 * (`BENCH_CONFIG='{"clients":["berth","berth-api","dockerode","node-sdk","raw"]}'`) to see what
 * the client layer costs on top of the transport.
 */
import { pathToFileURL } from "node:url";
import type { AttachSession, ContainerLogStream, DemuxChunk, DockerApi } from "../../src/index.js";
import type { paths } from "../../generated/v1.41/index.js";
import type { BenchTarget } from "../lib/daemon.js";
import type { BenchClient, EventContender, SeenEvent } from "./types.js";

/**
 * berth as it ships: bench/run.sh builds the package (dist/, one bundle per entry point, what
 * npm installs) and names its entry points in $BERTH_BENCH_ENTRY and $BERTH_BENCH_ENTRY_V141.
 * Without them (a scenario run by hand), the sources. The two differ in more than load time: a
 * process holding src/ file by file, comments and all, has about 1.5 MiB more heap, which moves
 * V8's collections on a stream (bench/README.md, "Heap size and the stream numbers on Node").
 */
const entry = (variable: string, fallback: string): Promise<unknown> => {
  const file = process.env[variable];
  return import(file ? pathToFileURL(file).href : fallback);
};
const { BERTH_VERSION, DockerClient, attachToContainer, containerLogs, createDockerApi, eventMonitor } = (await entry(
  "BERTH_BENCH_ENTRY",
  "../../src/index.js",
)) as typeof import("../../src/index.js");
const { createDockerV141 } = (await entry(
  "BERTH_BENCH_ENTRY_V141",
  "../../src/versions/v1.41.js",
)) as typeof import("../../src/versions/v1.41.js");

async function countBytes(stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  if (stream instanceof ReadableStream) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return bytes;
      bytes += value.byteLength;
    }
  }
  for await (const chunk of stream) bytes += chunk.byteLength;
  return bytes;
}

/** Reads the pieces the way berth's README does (`for await` over `frames()`), counting payload bytes. */
async function countPayload(frames: AsyncIterable<DemuxChunk>): Promise<number> {
  let bytes = 0;
  for await (const piece of frames) bytes += piece.data.byteLength;
  return bytes;
}

/** The multiplexed, live, non-TTY attach and logs requests every contender makes. */
const ATTACH = { stream: true, stdout: true, stderr: true, tty: false } as const;
const LOGS = { follow: true, stdout: true, stderr: true, tty: false } as const;

/** Attach and logs given how to open them (the client's methods, or the functions over a `DockerApi`). */
function streams(
  attach: (id: string) => Promise<AttachSession>,
  logs: (id: string) => Promise<ContainerLogStream>,
): Pick<BenchClient, "attach" | "logs"> {
  return {
    async attach(id, start) {
      const session = await attach(id);
      await start();
      const bytes = await countPayload(session.frames());
      await session.closed;
      return bytes;
    },
    async logs(id) {
      const stream = await logs(id);
      const bytes = await countPayload(stream.frames());
      await stream.closed;
      return bytes;
    },
  };
}

/** berth's `DockerClient` as a `BenchClient`. */
export function berthClient(target: BenchTarget): BenchClient {
  const client = new DockerClient({ host: target.host });
  return {
    name: "berth",
    version: BERTH_VERSION,
    unsupported: {},
    notes: {},
    ping: () => client.ping(),
    inspect: (id) => client.inspectContainer({ id }),
    async lifecycle(spec, name) {
      const { HostConfig, ...config } = spec;
      const { Id } = await client.createContainer({ name, config: config as never, hostConfig: HostConfig as never });
      await client.startContainer({ id: Id });
      await client.waitContainer({ id: Id });
      await client.removeContainer({ id: Id });
    },
    exportContainer: (id) => countBytes(client.exportContainer({ id })),
    ...streams(
      (id) => client.attachToContainer({ container: id, ...ATTACH }),
      (id) => client.containerLogs({ container: id, ...LOGS }),
    ),
    close: () => client.close(),
  };
}

/** berth's typed low-level client (`createDockerApi`, v1.41 paths) as a `BenchClient`. */
export function berthApiClient(target: BenchTarget): BenchClient {
  const docker = createDockerApi<paths>({ host: target.host, preferredVersion: "1.41" });
  const { api } = docker;
  return {
    name: "berth-api",
    version: BERTH_VERSION,
    unsupported: {},
    notes: {},
    async ping() {
      return (await api.GET("/_ping", { parseAs: "text" })).data;
    },
    async inspect(id) {
      return (await api.GET("/containers/{id}/json", { params: { path: { id } } })).data;
    },
    async lifecycle(spec, name) {
      const { data } = await api.POST("/containers/create", { params: { query: { name } }, body: spec as never });
      const id = data!.Id;
      await api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
      await api.POST("/containers/{id}/wait", { params: { path: { id } } });
      await api.DELETE("/containers/{id}", { params: { path: { id } }, parseAs: "text" });
    },
    async exportContainer(id) {
      const { data } = await api.GET("/containers/{id}/export", { params: { path: { id } }, parseAs: "stream" });
      return countBytes(data!);
    },
    ...streams(
      (id) => attachToContainer(docker, { container: id, ...ATTACH }),
      (id) => containerLogs(docker, { container: id, ...LOGS }),
    ),
    close: () => docker.close(),
  };
}

/** berth's generated client (`createDockerV141`: the v1.41 method table) as a `BenchClient`. */
export function berthGenericClient(target: BenchTarget): BenchClient {
  const docker = createDockerV141({ host: target.host });
  return {
    name: "berth-generic",
    version: BERTH_VERSION,
    unsupported: {},
    notes: {},
    ping: () => docker.system.ping(),
    inspect: (id) => docker.containers.inspect({ id }),
    async lifecycle(spec, name) {
      const { Id: id } = await docker.containers.create({ name, body: spec as never });
      await docker.containers.start({ id });
      await docker.containers.wait({ id });
      await docker.containers.delete({ id });
    },
    exportContainer: (id) => countBytes(docker.containers.export({ id })),
    ...streams(
      (id) => docker.containers.attach({ id, ...ATTACH }),
      (id) => docker.containers.logs({ id, ...LOGS }),
    ),
    close: () => docker.close(),
  };
}

/** berth's events: the client's one `/events` connection, fanned out by its `EventMonitor` (`onEvent`). */
export function berthEvents(target: BenchTarget): EventContender {
  return {
    label: "berth DockerClient.onEvent (one connection)",
    client: "berth",
    skip: () => undefined,
    async subscribe(listeners, onEvent) {
      const client = new DockerClient({ host: target.host });
      for (let i = 0; i < listeners; i++) {
        client.onEvent(
          (item) => {
            if (item.kind !== "event") return;
            const event: SeenEvent = { type: item.type, action: item.action, actorId: item.actor.id };
            onEvent(i, event);
          },
          { filters: { type: "volume" } },
        );
      }
      // The client's listeners share the monitor `eventMonitor(client.docker)`.
      await eventMonitor(client.docker).ready();
      return () => client.close();
    },
  };
}
