/**
 * Faults on the real swarm: the single manager restarted in the middle of a convergence wait
 * (the wait resumes or fails typed, never hangs), and three managers with one killed (the
 * cluster keeps serving and berth reports the node down). The file puts the swarm back as it
 * found it: node 3 restarted and Ready, nodes 2 and 3 workers again.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DockerAbortError } from "../../src/errors.js";
import {
  createService,
  inspectNode,
  listNodes,
  removeService,
  SwarmUnavailableError,
  SwarmWaitTimeoutError,
  waitForConvergence,
} from "../../src/swarm/index.js";
import { closeClients, nodeClient, removeTestServices, serviceName, sleeperSpec, swarmRegistryAuth, swarmScript } from "./swarm-env.js";

const manager = nodeClient(1);
afterAll(async () => {
  // whatever happened above: every node up, 2 and 3 workers, no test services
  await swarmScript("start-node", "1").catch(() => {});
  await swarmScript("start-node", "3").catch(() => {});
  await swarmScript("demote", "3").catch(() => {});
  await swarmScript("demote", "2").catch(() => {});
  await removeTestServices(manager).catch(() => {});
  await closeClients();
}, 300_000);

const node = async (label: string) => (await listNodes(manager)).find((n) => n.Spec?.Labels?.["berth.node"] === label)!;

describe("a manager restarted mid-convergence", () => {
  it("the wait resumes once the manager is back (or fails typed), and never hangs", async () => {
    const { id } = await createService(manager, sleeperSpec(serviceName("restart"), 6), { registryAuth: swarmRegistryAuth(), wait: false });
    const started = Date.now();
    const outcome = waitForConvergence(manager, id, { unreachableMs: 90_000, timeoutMs: 240_000, pollMs: 100 }).then(
      (progress) => ({ progress }),
      (error: unknown) => ({ error }),
    );
    await swarmScript("kill-node", "1");
    await swarmScript("start-node", "1");
    const result = await outcome;
    if ("error" in result) {
      // a typed end is acceptable; a hang or an untyped error is not
      expect(result.error).toSatisfy((e) => e instanceof SwarmUnavailableError || e instanceof SwarmWaitTimeoutError);
    } else {
      expect(result.progress.converged).toBe(true);
      expect(result.progress.running).toBe(6);
    }
    expect(Date.now() - started).toBeLessThan(250_000);
    await removeService(manager, id);
  });

  it("an aborted wait ends at once with DockerAbortError", async () => {
    const { id } = await createService(manager, sleeperSpec(serviceName("abort"), 1, ["sh", "-c", "exit 1"]), {
      registryAuth: swarmRegistryAuth(),
      wait: false,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    await expect(waitForConvergence(manager, id, { signal: controller.signal })).rejects.toBeInstanceOf(DockerAbortError);
    // a service that never converges ends with the timeout, naming the failing task
    const timeout = await waitForConvergence(manager, id, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(SwarmWaitTimeoutError);
    await removeService(manager, id);
  });
});

describe("three managers, one killed", () => {
  it("keeps serving through the other two, and reports the killed node down", async () => {
    await swarmScript("promote", "2");
    await swarmScript("promote", "3");
    const managers = (await listNodes(manager, { filters: { role: ["manager"] } })).length;
    expect(managers).toBe(3);
    const n3 = (await node("n3")).ID!;
    await swarmScript("kill-node", "3");
    // berth sees the node go down (heartbeat period 2 s: a few seconds on a loaded machine)
    const deadline = Date.now() + 90_000;
    for (;;) {
      const n = await inspectNode(manager, n3);
      if (n.Status?.State === "down" && n.ManagerStatus?.Reachability === "unreachable") break;
      if (Date.now() > deadline) throw new Error(`node 3 still ${n.Status?.State}/${n.ManagerStatus?.Reachability} after 90 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // two of three managers are a quorum: the cluster still changes state and schedules
    const spec = sleeperSpec(serviceName("quorum"), 2);
    spec.TaskTemplate!.Placement = { Constraints: ["node.labels.berth.node != n3"] };
    const { id, converged } = await createService(manager, spec, { registryAuth: swarmRegistryAuth() });
    expect(converged?.running).toBe(2);
    expect(converged?.replicas.every((r) => r.nodeId !== n3)).toBe(true);
    await removeService(manager, id);
    // node 2, the other manager left, serves cluster requests as well
    const list = await listNodes(nodeClient(2));
    expect(list.find((n) => n.ID === n3)?.Status?.State).toBe("down");
  });

  it("the killed manager comes back and is Ready and reachable again", async () => {
    await swarmScript("start-node", "3");
    const n = await node("n3");
    expect(n.Status?.State).toBe("ready");
    const deadline = Date.now() + 60_000;
    while ((await inspectNode(manager, n.ID!)).ManagerStatus?.Reachability !== "reachable") {
      if (Date.now() > deadline) throw new Error("node 3 not reachable as a manager 60 s after its restart");
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
