/**
 * Docker's own @docker/node-sdk (undici over the unix socket). It sends unversioned paths, so
 * the daemon answers at its own API version (1.41 here): it works against this daemon.
 */
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import type { BenchTarget } from "../lib/daemon.js";
import { runtimeName } from "../lib/process-stats.js";
import type { BenchClient, EventContender, SeenEvent } from "./types.js";

type Sdk = typeof import("@docker/node-sdk");

/** Why the SDK cannot reach a unix socket on Bun (observed with Bun 1.4.5 and SDK 0.0.17). */
export const BUN_UNDICI =
  "does not run on Bun: it sends through undici's fetch with a unix-socket Agent as `dispatcher`, but Bun's built-in `undici` module is its own fetch, which ignores the dispatcher, so requests go to http://localhost:2375 (ECONNREFUSED)";

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

function countingWebSink(): { sink: WritableStream<Uint8Array>; bytes(): number } {
  let bytes = 0;
  return {
    sink: new WritableStream<Uint8Array>({
      write(chunk) {
        bytes += chunk.byteLength;
      },
    }),
    bytes: () => bytes,
  };
}

async function loadSdk(): Promise<{ sdk: Sdk; version: string }> {
  const sdk = await import("@docker/node-sdk");
  const require = createRequire(import.meta.url);
  const main = require.resolve("@docker/node-sdk");
  const version = (createRequire(main)("../package.json") as { version: string }).version;
  return { sdk, version };
}

/** @docker/node-sdk as a `BenchClient`. */
export async function nodeSdkClient(target: BenchTarget): Promise<BenchClient> {
  const { sdk, version } = await loadSdk();
  const docker = await sdk.DockerClient.fromDockerHost(target.host);
  return {
    name: "node-sdk",
    version,
    unsupported: {},
    notes: {
      ping: "HEAD /_ping (its only ping)",
      attach:
        "not demultiplexed: it demultiplexes only when the daemon sends the multiplexed-stream content type (API 1.42+); on 1.41 the frame headers reach stdout",
    },
    async ping() {
      try {
        return await docker.systemPing();
      } catch (error) {
        if (runtimeName() === "bun" && /ECONNREFUSED/.test(String(error))) throw new Error(BUN_UNDICI, { cause: error });
        throw error;
      }
    },
    inspect: (id) => docker.containerInspect(id),
    async lifecycle(spec, name) {
      const { Id } = await docker.containerCreate(spec as never, { name });
      await docker.containerStart(Id);
      await docker.containerWait(Id);
      await docker.containerDelete(Id);
    },
    async exportContainer(id) {
      const { sink, bytes } = countingWebSink();
      await docker.containerExport(id, sink as never);
      return bytes();
    },
    async logs(id) {
      const out = countingSink();
      const err = countingSink();
      await docker.containerLogs(id, out, err, { follow: true, stdout: true, stderr: true });
      return out.bytes + err.bytes;
    },
    async attach(id, start) {
      // containerAttach resolves only when the stream ends and has no "attached" hook, but the
      // container must be started after the attach is in place or its output is lost: so the
      // SDK's own upgrade call is wrapped to learn when it succeeded.
      const http = (docker as unknown as { api: { upgrade: (...args: unknown[]) => Promise<unknown> } }).api;
      const upgrade = http.upgrade.bind(http);
      let started: Promise<void> | undefined;
      http.upgrade = async (...args: unknown[]) => {
        const result = await upgrade(...args);
        started = start();
        return result;
      };
      const out = countingSink();
      const err = countingSink();
      try {
        await docker.containerAttach(id, out, err, { stream: true, stdout: true, stderr: true });
      } finally {
        http.upgrade = upgrade;
      }
      await started;
      return out.bytes + err.bytes;
    },
    close: () => docker.close(),
  };
}

/** @docker/node-sdk events: its `systemEvents` async iterator, one per listener (one connection each). */
export function nodeSdkEvents(target: BenchTarget, maxListeners: number): EventContender {
  return {
    label: "node-sdk systemEvents per listener",
    client: "node-sdk",
    skip: (listeners) =>
      listeners > maxListeners
        ? `${listeners} event connections to the shared daemon (one per listener); run only up to ${maxListeners}`
        : undefined,
    async subscribe(listeners, onEvent) {
      const { sdk } = await loadSdk();
      const docker = await sdk.DockerClient.fromDockerHost(target.host);
      for (let i = 0; i < listeners; i++) {
        // systemEvents(options) sends its options as `params=[object Object]` (0.0.17), which the
        // daemon ignores: so none are passed, every event arrives, and the listener filters.
        const iterator = docker.systemEvents() as AsyncGenerator<any>;
        void (async () => {
          try {
            for await (const raw of iterator) {
              const event: SeenEvent = {
                type: String(raw.Type ?? "").toLowerCase(),
                action: raw.Action ?? "",
                actorId: raw.Actor?.ID ?? "",
              };
              if (event.type === "volume") onEvent(i, event);
            }
          } catch {
            // Ended by close().
          }
        })();
      }
      // Destroying the undici agent errors the pending reads, which ends every iterator.
      return () => docker.close();
    },
  };
}
