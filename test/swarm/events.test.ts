/**
 * Swarm-scope events (service, secret, node) through berth's events multiplexer, from a
 * manager: the same `events()` iterator as for local events, with `scope: "swarm"`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { events, type DockerEvent } from "../../src/events/index.js";
import { createSecret, createService, removeSecret, removeService, updateNode, listNodes } from "../../src/swarm/index.js";
import { closeClients, nodeClient, serviceName, sleeperSpec, swarmRegistryAuth } from "./swarm-env.js";

const manager = nodeClient(1);
afterAll(closeClients);

describe("swarm-scope events", () => {
  it("arrive for a service, a secret and a node through the multiplexer", async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 60_000);
    const seen: DockerEvent[] = [];
    const iterator = events(manager, { filters: { type: ["service", "secret", "node"] }, signal: controller.signal });
    const reading = (async () => {
      for await (const item of iterator) {
        if (item.kind !== "event") continue;
        seen.push(item);
        if (
          seen.some((e) => e.type === "service" && e.action === "remove") &&
          seen.some((e) => e.type === "secret" && e.action === "remove") &&
          seen.some((e) => e.type === "node" && e.action === "update")
        )
          break;
      }
    })();
    await new Promise((r) => setTimeout(r, 500)); // the events connection is open before the changes
    const name = serviceName("events");
    const { id } = await createService(manager, sleeperSpec(name, 1), { registryAuth: swarmRegistryAuth(), wait: false });
    const secretId = await createSecret(manager, { name, data: "x" });
    const n3 = (await listNodes(manager)).find((n) => n.Spec?.Labels?.["berth.node"] === "n3")!;
    await updateNode(manager, n3.ID!, (spec) => {
      spec.Labels = { ...spec.Labels, "berth.events": "1" };
    });
    await removeService(manager, id);
    await removeSecret(manager, secretId);
    await updateNode(manager, n3.ID!, (spec) => {
      delete spec.Labels?.["berth.events"];
    });
    await reading;
    clearTimeout(timer);
    const service = seen.filter((e) => e.type === "service" && e.actor.id === id).map((e) => e.action);
    expect(service).toEqual(expect.arrayContaining(["create", "remove"]));
    expect(seen.filter((e) => e.type === "secret" && e.actor.id === secretId).map((e) => e.action)).toEqual(
      expect.arrayContaining(["create", "remove"]),
    );
    expect(seen.some((e) => e.type === "node" && e.actor.id === n3.ID && e.action === "update")).toBe(true);
    expect(seen.every((e) => e.scope === "swarm")).toBe(true);
  });
});
