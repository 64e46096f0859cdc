/**
 * The swarm layer on Node (via tsx), Bun and Deno against the swarm of scripts/swarm.sh: a
 * service's lifecycle (create and converge on several nodes, scale, remove), and its logs
 * from several nodes, demultiplexed with task and node.
 *   npx tsx test/runtime/swarm.ts | npx bun run test/runtime/swarm.ts | npx deno run -A test/runtime/swarm.ts
 */
import { createDockerApiV141 } from "../../src/versions/v1.41.js";
import {
  createService,
  inspectService,
  listServices,
  removeService,
  scaleService,
  serviceLogs,
  type ServiceLogLine,
} from "../../src/swarm/index.js";
import { assert, assertEqual, env, rejects, run, test } from "./harness.js";

const host = env("BERTH_SWARM_MANAGER");
const image = env("BERTH_SWARM_IMAGE");
if (!host || !image) throw new Error("BERTH_SWARM_MANAGER / BERTH_SWARM_IMAGE are not set: run through `npm test`");
const registryAuth = {
  username: env("BERTH_SWARM_REGISTRY_USER") ?? "",
  password: env("BERTH_SWARM_REGISTRY_PASSWORD") ?? "",
  serveraddress: env("BERTH_SWARM_REGISTRY") ?? "",
};
const docker = createDockerApiV141({ host });
const name = `bt-rt-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let id = "";

test("a service converges with 3 replicas, one per node, and scales to 1", async () => {
  const result = await createService(
    docker,
    {
      Name: name,
      Labels: { "berth.test": "1" },
      TaskTemplate: {
        ContainerSpec: {
          Image: image,
          Command: ["sh", "-c", "echo hello-from-$SLOT; echo oops >&2; sleep 300"],
          Env: ["SLOT={{.Task.Slot}}"],
          StopGracePeriod: 1e9,
        },
        Placement: { MaxReplicas: 1 },
      },
      Mode: { Replicated: { Replicas: 3 } },
    },
    { registryAuth },
  );
  id = result.id;
  assertEqual(result.converged?.running, 3, "running replicas");
  assertEqual(new Set(result.converged?.replicas.map((r) => r.nodeId)).size, 3, "nodes with a replica");
}, 120_000);

test("its logs come from the three nodes, each line with its task and node", async () => {
  const lines: ServiceLogLine[] = [];
  const deadline = Date.now() + 60_000;
  while (new Set(lines.filter((l) => l.text.startsWith("hello-from-")).map((l) => l.nodeId)).size < 3) {
    if (Date.now() > deadline) throw new Error(`not every node's lines arrived: ${JSON.stringify(lines.map((l) => l.text))}`);
    lines.length = 0;
    for await (const line of serviceLogs(docker, { service: id })) lines.push(line);
  }
  assert(
    lines.some((l) => l.stream === "stderr" && l.text === "oops"),
    "stderr lines are told apart",
  );
  assert(
    lines.every((l) => l.taskId && l.nodeId && l.serviceId === id),
    "every line names its task, node and service",
  );
}, 90_000);

test("follow mode delivers lines and ends when the loop breaks", async () => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  let got: ServiceLogLine | undefined;
  for await (const line of serviceLogs(docker, { service: id }, { follow: true, signal: controller.signal })) {
    got = line;
    break;
  }
  clearTimeout(timer);
  assert(got?.taskId, "a followed line with its task");
}, 60_000);

test("scales to 1 and is removed", async () => {
  const down = await scaleService(docker, id, 1);
  assertEqual(down.converged?.running, 1, "running after scale");
  await removeService(docker, id);
  const error = (await rejects(inspectService(docker, id))) as { status?: number };
  assertEqual(error.status, 404, "inspect after remove");
  assertEqual((await listServices(docker, { filters: { name: [name] } })).length, 0, "listed after remove");
}, 120_000);

test("closes the client", () => docker.close());

await run("swarm");
