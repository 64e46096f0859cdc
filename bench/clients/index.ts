/**
 * Loads the contenders. Every client is imported lazily, so one that is not installed, does not
 * load on this runtime, or (berth) is broken in the working tree becomes a row that says why
 * instead of failing the run.
 */
import type { BenchTarget } from "../lib/daemon.js";
import { errorText } from "../lib/errors.js";
import { rawClient } from "./raw.js";
import type { BenchClient, ClientName } from "./types.js";

/** A loaded client, or why it could not be loaded. */
export type LoadedClient = { name: ClientName; client: BenchClient } | { name: ClientName; error: string };

/** Loads one client. */
export async function loadClient(name: ClientName, target: BenchTarget): Promise<LoadedClient> {
  try {
    switch (name) {
      case "berth":
        return { name, client: (await import("./berth.js")).berthClient(target) };
      case "berth-api":
        return { name, client: (await import("./berth.js")).berthApiClient(target) };
      case "berth-generic":
        return { name, client: (await import("./berth.js")).berthGenericClient(target) };
      case "raw":
        return { name, client: rawClient(target) };
      case "dockerode":
        return { name, client: await (await import("./dockerode.js")).dockerodeClient(target) };
      case "node-sdk":
        return { name, client: await (await import("./node-sdk.js")).nodeSdkClient(target) };
    }
  } catch (error) {
    return { name, error: `does not load: ${errorText(error)}` };
  }
}

/** Loads several clients; every one that loads answers a ping first, or is reported as failing. */
export async function loadClients(names: readonly ClientName[], target: BenchTarget): Promise<LoadedClient[]> {
  const loaded: LoadedClient[] = [];
  for (const name of names) {
    const entry = await loadClient(name, target);
    if ("client" in entry) {
      try {
        await entry.client.ping();
      } catch (error) {
        loaded.push({ name, error: `ping fails: ${errorText(error)}` });
        continue;
      }
    }
    loaded.push(entry);
  }
  return loaded;
}

export { errorText };
