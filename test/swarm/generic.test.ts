/**
 * The swarm extras of the generated client (overlay `x-berth-kinds`): `services.waitConverged`,
 * `services.logLines` and `nodes.waitDrained` on `createDockerV141`, against the real swarm.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createDockerV141 } from "../../src/versions/v1.41.js";
import { serviceName, sleeperSpec, swarmNodeHosts, swarmRegistryAuth } from "./swarm-env.js";

const docker = createDockerV141({ host: swarmNodeHosts()[0] });
afterAll(() => docker.close());

describe("generated client swarm extras", () => {
  it("creates with forwarded credentials, waits for convergence, reads log lines with their task and node", async () => {
    const spec = sleeperSpec(serviceName("gen"), 3, ["sh", "-c", "echo gen-line; sleep 300"]);
    const { ID } = await docker.services.create({ body: spec, "X-Registry-Auth": swarmRegistryAuth() });
    const id = ID!;
    try {
      const converged = await docker.services.waitConverged({ id, timeoutMs: 120_000 });
      expect(converged).toMatchObject({ converged: true, running: 3, desired: 3 });
      const lines = [];
      for (let i = 0; i < 40 && lines.length < 3; i++) {
        lines.length = 0;
        for await (const line of docker.services.logLines({ id })) if (line.text === "gen-line") lines.push(line);
        if (lines.length < 3) await new Promise((r) => setTimeout(r, 250));
      }
      expect(lines).toHaveLength(3);
      expect(new Set(lines.map((l) => l.taskId)).size).toBe(3);
      // a node that runs none of the test's tasks is drained at once
      const nodes = await docker.nodes.list();
      const busy = new Set(converged.replicas.map((r) => r.nodeId));
      const idle = nodes.find((n) => !busy.has(n.ID));
      if (idle)
        await docker.nodes
          .waitDrained({ id: idle.ID!, timeoutMs: 1 })
          .catch((e: unknown) => expect(e).toMatchObject({ code: "ERR_SWARM_WAIT_TIMEOUT" }));
    } finally {
      await docker.services.delete({ id });
    }
  });

  it("creates and removes a secret and a config (the daemon answers ID, as the overlay now says)", async () => {
    const name = serviceName("gensecret");
    const { ID: secretId } = await docker.secrets.create({ body: { Name: name, Data: btoa("x") } });
    expect(secretId).toMatch(/^[a-z0-9]{25}$/);
    await docker.secrets.delete({ id: secretId });
    const { ID: configId } = await docker.configs.create({ body: { Name: name, Data: btoa("y") } });
    expect(configId).toMatch(/^[a-z0-9]{25}$/);
    await docker.configs.delete({ id: configId });
  });
});
