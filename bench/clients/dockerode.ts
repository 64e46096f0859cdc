/**
 * dockerode, used the way its README shows: `docker.getContainer(id).inspect()`,
 * `modem.demuxStream` for logs and attach, `getEvents` + `modem.followProgress` for events.
 */
import { createRequire } from "node:module";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BenchTarget } from "../lib/daemon.js";
import type { BenchClient, EventContender, SeenEvent } from "./types.js";

/** A Writable that counts what it is given (stands in for a file or `process.stdout`). */
function countingSink(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

/** Resolves when a Node stream has ended (or closed), rejects on its error. */
function finished(stream: NodeJS.ReadableStream & EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
}

async function loadDockerode(): Promise<{ Docker: new (options: { socketPath: string }) => any; version: string }> {
  const { default: Docker } = await import("dockerode");
  const require = createRequire(import.meta.url);
  const version = (require("dockerode/package.json") as { version: string }).version;
  return { Docker, version };
}

/** dockerode as a `BenchClient`. */
export async function dockerodeClient(target: BenchTarget): Promise<BenchClient> {
  const { Docker, version } = await loadDockerode();
  const docker = new Docker({ socketPath: target.socketPath });
  return {
    name: "dockerode",
    version,
    unsupported: {},
    notes: { logs: "follow=true: without it dockerode buffers the whole log in memory" },
    ping: () => docker.ping(),
    inspect: (id) => docker.getContainer(id).inspect(),
    async lifecycle(spec, name) {
      const container = await docker.createContainer({ ...spec, name });
      await container.start();
      await container.wait();
      await container.remove();
    },
    async exportContainer(id) {
      const stream = await docker.getContainer(id).export();
      const sink = countingSink();
      await pipeline(stream, sink);
      return sink.bytes;
    },
    async logs(id) {
      const stream = await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true });
      const out = countingSink();
      const err = countingSink();
      docker.modem.demuxStream(stream, out, err);
      await finished(stream);
      return out.bytes + err.bytes;
    },
    async attach(id, start) {
      const stream = await docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true });
      const out = countingSink();
      const err = countingSink();
      docker.modem.demuxStream(stream, out, err);
      const done = finished(stream);
      await start();
      await done;
      return out.bytes + err.bytes;
    },
    async close() {
      // dockerode keeps no pool of its own (docker-modem uses the global agent).
    },
  };
}

function toSeen(raw: { Type?: string; Action?: string; status?: string; Actor?: { ID?: string }; id?: string }): SeenEvent {
  return { type: (raw.Type ?? "").toLowerCase(), action: raw.Action ?? raw.status ?? "", actorId: raw.Actor?.ID ?? raw.id ?? "" };
}

/** Opens one dockerode events stream; `onRaw` gets every decoded event. Returns its closer. */
async function openEventStream(docker: any, onRaw: (raw: any) => void): Promise<() => void> {
  const stream = await docker.getEvents({ filters: { type: ["volume"] } });
  docker.modem.followProgress(
    stream,
    () => undefined,
    (raw: any) => onRaw(raw),
  );
  return () => stream.destroy();
}

/**
 * dockerode's events, one `getEvents` stream per listener (what each independent dockerode
 * consumer does). Not run at 1,000 listeners: that is 1,000 event connections to a daemon
 * other people are using.
 */
export function dockerodePerListenerEvents(target: BenchTarget, maxListeners: number): EventContender {
  return {
    label: "dockerode getEvents per listener",
    client: "dockerode",
    skip: (listeners) =>
      listeners > maxListeners
        ? `${listeners} event connections to the shared daemon (one per listener); run only up to ${maxListeners}`
        : undefined,
    async subscribe(listeners, onEvent) {
      const { Docker } = await loadDockerode();
      const docker = new Docker({ socketPath: target.socketPath });
      const closers = await Promise.all(
        Array.from({ length: listeners }, (_, i) => openEventStream(docker, (raw) => onEvent(i, toSeen(raw)))),
      );
      return async () => closers.forEach((close) => close());
    },
  };
}

/** dockerode's events, one `getEvents` stream fanned out by an `EventEmitter` (what a dockerode app would write). */
export function dockerodeFanOutEvents(target: BenchTarget): EventContender {
  return {
    label: "dockerode one getEvents + EventEmitter",
    client: "dockerode",
    skip: () => undefined,
    async subscribe(listeners, onEvent) {
      const { Docker } = await loadDockerode();
      const docker = new Docker({ socketPath: target.socketPath });
      const emitter = new EventEmitter();
      emitter.setMaxListeners(0);
      for (let i = 0; i < listeners; i++) emitter.on("event", (raw: any) => onEvent(i, toSeen(raw)));
      const close = await openEventStream(docker, (raw) => emitter.emit("event", raw));
      return async () => {
        close();
        emitter.removeAllListeners();
      };
    },
  };
}
