/**
 * Nodes, draining, secrets mounted into tasks (read back through the task's own node), and
 * service logs from tasks on several nodes, demultiplexed with their task and node.
 */
import { afterAll, describe, expect, it } from "vitest";
import { runExec } from "../../src/exec/index.js";
import {
  activateNode,
  createSecret,
  createService,
  drainNode,
  inspectSecret,
  inspectSwarm,
  joinTokens,
  listNodes,
  listSecrets,
  listTasks,
  removeSecret,
  removeService,
  secretReference,
  serviceLogs,
  SwarmUnavailableError,
  type ServiceLogLine,
} from "../../src/swarm/index.js";
import { closeClients, nodeClient, removeTestServices, serviceName, sleeperSpec, swarmRegistryAuth } from "./swarm-env.js";

const manager = nodeClient(1);
const nodes = [manager, nodeClient(2), nodeClient(3)] as const;
afterAll(async () => {
  await removeTestServices(manager);
  await closeClients();
});

/** Node ID of node N (1-3), from that daemon's own /info. */
async function nodeIdOf(n: 1 | 2 | 3): Promise<string> {
  const { data } = await nodes[n - 1]!.api.GET("/info");
  return (data as { Swarm?: { NodeID?: string } }).Swarm!.NodeID!;
}

describe("the swarm and its nodes", () => {
  it("lists three Ready nodes, told apart by ID and by the berth.node label", async () => {
    const list = await listNodes(manager);
    expect(list).toHaveLength(3);
    expect(list.every((n) => n.Status?.State === "ready")).toBe(true);
    expect(list.map((n) => n.Spec?.Labels?.["berth.node"]).sort()).toEqual(["n1", "n2", "n3"]);
    expect(new Set(list.map((n) => n.ID)).size).toBe(3);
    expect(list.map((n) => n.ID).sort()).toEqual([await nodeIdOf(1), await nodeIdOf(2), await nodeIdOf(3)].sort());
  });

  it("inspects the swarm with its join tokens", async () => {
    const swarm = await inspectSwarm(manager);
    expect(swarm.ID).toMatch(/^[a-z0-9]{25}$/);
    const tokens = await joinTokens(manager);
    expect(tokens.worker).toMatch(/^SWMTKN-1-/);
    expect(tokens.manager).toMatch(/^SWMTKN-1-/);
    expect(tokens.worker).not.toBe(tokens.manager);
  });

  it("refuses cluster requests on a worker with SwarmUnavailableError (not-a-manager)", async () => {
    const error = await listNodes(nodes[1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwarmUnavailableError);
    expect(error).toMatchObject({ reason: "not-a-manager", status: 503, code: "ERR_SWARM_UNAVAILABLE" });
  });

  it("drains a node: its tasks move to the other nodes, and it takes tasks again once active", async () => {
    const name = serviceName("drain");
    const { id } = await createService(manager, sleeperSpec(name, 6), { registryAuth: swarmRegistryAuth() });
    const node3 = await nodeIdOf(3);
    const onNode3 = async () =>
      (await listTasks(manager, { filters: { service: [id], node: [node3], "desired-state": ["running"] } })).length;
    expect(await onNode3()).toBeGreaterThan(0);
    try {
      await drainNode(manager, node3);
      expect(await onNode3()).toBe(0);
      const running = await listTasks(manager, { filters: { service: [id], "desired-state": ["running"] } });
      expect(running).toHaveLength(6);
      expect(running.every((t) => t.NodeID !== node3)).toBe(true);
      // the drained node's containers are gone from its own daemon too
      const { data } = await nodes[2].api.GET("/containers/json", {
        params: { query: { filters: JSON.stringify({ label: [`com.docker.swarm.service.id=${id}`] }) } },
      });
      expect(data).toHaveLength(0);
    } finally {
      await activateNode(manager, node3);
      await removeService(manager, id);
    }
  });
});

describe("secrets", () => {
  it("creates, lists, mounts into a task (read through that task's node) and removes a secret", async () => {
    const name = serviceName("secret");
    const value = `s3cret-${Math.random().toString(36).slice(2)}`;
    const secretId = await createSecret(manager, { name, data: value, labels: { "berth.test": "1" } });
    expect(secretId).toMatch(/^[a-z0-9]{25}$/);
    expect((await inspectSecret(manager, secretId)).Spec?.Name).toBe(name);
    expect((await listSecrets(manager, { filters: { name: [name] } })).map((s) => s.ID)).toEqual([secretId]);
    const spec = sleeperSpec(name, 1);
    spec.TaskTemplate!.ContainerSpec!.Secrets = [secretReference({ id: secretId, name }, { target: "token" })];
    const { id, converged } = await createService(manager, spec, { registryAuth: swarmRegistryAuth() });
    const replica = converged!.replicas[0]!;
    const [task] = await listTasks(manager, { filters: { id: [replica.taskId] } });
    const containerId = task!.Status!.ContainerStatus!.ContainerID!;
    // the container lives on the task's node: exec through that node's daemon
    let daemon: (typeof nodes)[number] | undefined;
    for (const k of [1, 2, 3] as const) if ((await nodeIdOf(k)) === replica.nodeId) daemon = nodes[k - 1];
    if (!daemon) throw new Error(`task ${replica.taskId} is on an unknown node ${replica.nodeId}`);
    const result = await runExec(daemon, containerId, ["cat", "/run/secrets/token"]);
    expect(result).toMatchObject({ exitCode: 0, stdout: value });
    await removeService(manager, id);
    // in use until the service is gone; then removable
    for (let i = 0; ; i++) {
      const removed = await removeSecret(manager, secretId).then(
        () => true,
        () => false,
      );
      if (removed) break;
      if (i > 50) throw new Error("secret still in use 10 s after its service was removed");
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await listSecrets(manager, { filters: { name: [name] } })).toEqual([]);
  });
});

describe("service logs", () => {
  it("arrive demultiplexed from tasks on several nodes, each line with its task and node, in follow mode too", async () => {
    const name = serviceName("logs");
    const spec = sleeperSpec(name, 3, [
      "sh",
      "-c",
      "echo out-$BERTH_SLOT; echo err-$BERTH_SLOT >&2; sleep 1; echo late-$BERTH_SLOT; sleep 300",
    ]);
    spec.TaskTemplate!.ContainerSpec!.Env = ["BERTH_SLOT={{.Task.Slot}}"];
    // one task per node, so the lines come from three daemons
    spec.TaskTemplate!.Placement = { MaxReplicas: 1 };
    const { id, converged } = await createService(manager, spec, { registryAuth: swarmRegistryAuth() });
    expect(new Set(converged!.replicas.map((r) => r.nodeId)).size).toBe(3);
    const taskIds = new Set(converged!.replicas.map((r) => r.taskId));

    const lines: ServiceLogLine[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("no late lines within 60 s")), 60_000);
    try {
      for await (const line of serviceLogs(manager, { service: name }, { follow: true, timestamps: true, signal: controller.signal })) {
        lines.push(line);
        if (lines.filter((l) => l.text.startsWith("late-")).length === 3) break;
      }
    } finally {
      clearTimeout(timer);
    }
    for (const slot of ["1", "2", "3"]) {
      expect(lines.find((l) => l.text === `out-${slot}`)?.stream).toBe("stdout");
      expect(lines.find((l) => l.text === `err-${slot}`)?.stream).toBe("stderr");
    }
    expect(lines.every((l) => l.serviceId === id && taskIds.has(l.taskId!) && l.nodeId && l.timestamp)).toBe(true);
    expect(new Set(lines.map((l) => l.nodeId)).size).toBe(3);
    // each line's node is the node of its task
    const nodeOfTask = new Map(converged!.replicas.map((r) => [r.taskId, r.nodeId]));
    expect(lines.every((l) => nodeOfTask.get(l.taskId!) === l.nodeId)).toBe(true);

    // without follow the stream ends by itself
    const all: ServiceLogLine[] = [];
    for await (const line of serviceLogs(manager, { service: id }, { tail: 1 })) all.push(line);
    expect(all.length).toBeGreaterThanOrEqual(3);
    await removeService(manager, id);
  });
});
