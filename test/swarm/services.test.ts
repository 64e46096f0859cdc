/**
 * Services on the real three-node swarm: convergence with per-replica progress, scaling,
 * rolling updates with parallelism 1, and a failing update that the swarm rolls back.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  createService,
  inspectService,
  listTasks,
  removeService,
  scaleService,
  ServiceUpdateFailedError,
  updateService,
  waitForConvergence,
  type ConvergenceProgress,
} from "../../src/swarm/index.js";
import { closeClients, nodeClient, removeTestServices, serviceName, sleeperSpec, swarmRegistryAuth } from "./swarm-env.js";

const manager = nodeClient(1);
afterAll(async () => {
  await removeTestServices(manager);
  await closeClients();
});

async function runningNodes(service: string): Promise<Set<string>> {
  const tasks = await listTasks(manager, { filters: { service: [service], "desired-state": ["running"] } });
  return new Set(tasks.filter((t) => t.Status?.State === "running").map((t) => t.NodeID!));
}

describe("services on a three-node swarm", () => {
  const name = serviceName("six");
  let id = "";

  it("creates a service with 6 replicas and waits until it converges on all three nodes", async () => {
    const seen: ConvergenceProgress[] = [];
    const result = await createService(manager, sleeperSpec(name, 6), {
      registryAuth: swarmRegistryAuth(),
      onProgress: (p) => seen.push(p),
    });
    id = result.id;
    expect(result.converged?.converged).toBe(true);
    expect(result.converged?.running).toBe(6);
    expect(result.converged?.replicas.map((r) => r.slot)).toEqual([1, 2, 3, 4, 5, 6]);
    // progress came per replica, with the task and its node
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)?.replicas.every((r) => r.taskId && r.nodeId && r.state === "running")).toBe(true);
    expect((await runningNodes(id)).size).toBe(3);
  });

  it("scales to 2 and back to 6", async () => {
    const down = await scaleService(manager, id, 2);
    expect(down.converged?.running).toBe(2);
    const tasks = await listTasks(manager, { filters: { service: [id], "desired-state": ["running"] } });
    expect(tasks).toHaveLength(2);
    const up = await scaleService(manager, id, 6);
    expect(up.converged?.running).toBe(6);
    expect((await inspectService(manager, id)).Spec?.Mode?.Replicated?.Replicas).toBe(6);
  });

  it("rolls an update out one task at a time, reporting each replica, and ends converged", async () => {
    const seen: ConvergenceProgress[] = [];
    const result = await updateService(
      manager,
      id,
      (spec) => {
        spec.TaskTemplate!.ContainerSpec!.Env = ["BERTH_ROLL=1"];
        spec.UpdateConfig = { Parallelism: 1, Delay: 0, Monitor: 500_000_000, FailureAction: "pause", Order: "stop-first" };
      },
      { onProgress: (p) => seen.push(p) },
    );
    expect(result.converged?.converged).toBe(true);
    expect(result.converged?.updateState).toBe("completed");
    expect(seen.some((p) => p.updateState === "updating")).toBe(true);
    // one at a time: while updating, at most one slot is not running
    for (const p of seen.filter((s) => s.updateState === "updating")) {
      expect(p.replicas.filter((r) => r.state !== "running").length).toBeLessThanOrEqual(1);
    }
    // every running task has the new spec
    const tasks = await listTasks(manager, { filters: { service: [id], "desired-state": ["running"] } });
    expect(tasks).toHaveLength(6);
    expect(tasks.every((t) => t.Spec?.ContainerSpec?.Env?.includes("BERTH_ROLL=1"))).toBe(true);
  });

  it("reports an update to a failing command and its rollback", async () => {
    const before = (await inspectService(manager, id)).Spec;
    const failure = await updateService(manager, id, (spec) => {
      spec.TaskTemplate!.ContainerSpec!.Command = ["sh", "-c", "exit 3"];
      spec.TaskTemplate!.RestartPolicy = { Condition: "none" };
      spec.UpdateConfig = { Parallelism: 1, Monitor: 2_000_000_000, FailureAction: "rollback", MaxFailureRatio: 0 };
      spec.RollbackConfig = { Parallelism: 0, Monitor: 500_000_000, FailureAction: "pause" };
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ServiceUpdateFailedError);
    const error = failure as ServiceUpdateFailedError;
    expect(error.rolledBack).toBe(true);
    expect(error.updateState).toBe("rollback_completed");
    expect(error.failedTasks.some((t) => /exit \(3\)|exit code 3|non-zero exit/.test(t.error))).toBe(true);
    // the swarm is back on the previous spec, and converged on it
    const back = await inspectService(manager, id);
    expect(back.Spec?.TaskTemplate?.ContainerSpec?.Command).toEqual(before?.TaskTemplate?.ContainerSpec?.Command);
    const converged = await waitForConvergence(manager, id);
    expect(converged.running).toBe(6);
  });

  it("removes the service", async () => {
    await removeService(manager, id);
    await expect(inspectService(manager, id)).rejects.toMatchObject({ status: 404 });
  });
});
