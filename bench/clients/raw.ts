/**
 * The practical limit as a contender: bench/lib/raw-http.ts driven directly. It counts
 * payload bytes instead of routing them to stdout/stderr sinks, so its stream numbers are a
 * floor no real client reaches.
 */
import { RawHttp, payloadCounter } from "../lib/raw-http.js";
import type { BenchTarget } from "../lib/daemon.js";
import type { BenchClient } from "./types.js";

/** Reads a Node stream to the end with plain 'data' events (the cheapest way); resolves with the bytes. */
function countStream(stream: NodeJS.ReadableStream, push?: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      push?.(chunk);
    });
    stream.once("end", () => resolve(bytes));
    stream.once("error", reject);
  });
}

/** The raw keep-alive `node:http` client as a `BenchClient`. */
export function rawClient(target: BenchTarget): BenchClient {
  const raw = new RawHttp(target.socketPath);
  return {
    name: "raw",
    version: `node:http`,
    unsupported: {},
    notes: {},
    async ping() {
      return (await raw.request("GET", "/_ping")).body.toString();
    },
    inspect: (id) => raw.json("GET", `/containers/${id}/json`),
    async lifecycle(spec, name) {
      const { Id } = await raw.json<{ Id: string }>("POST", `/containers/create?name=${name}`, spec);
      await raw.json("POST", `/containers/${Id}/start`);
      await raw.json("POST", `/containers/${Id}/wait`);
      await raw.json("DELETE", `/containers/${Id}`);
    },
    exportContainer: async (id) => countStream(await raw.stream("GET", `/containers/${id}/export`)),
    async logs(id) {
      const counter = payloadCounter();
      await countStream(await raw.stream("GET", `/containers/${id}/logs?follow=1&stdout=1&stderr=1`), (chunk) => counter.push(chunk));
      return counter.payload;
    },
    async attach(id, start) {
      const { socket, head } = await raw.upgrade(`/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
      const counter = payloadCounter();
      counter.push(head);
      await start();
      await countStream(socket, (chunk) => counter.push(chunk));
      return counter.payload;
    },
    async close() {
      raw.close();
    },
  };
}
