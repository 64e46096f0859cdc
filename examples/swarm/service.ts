// A replicated service on a swarm manager: created with registry credentials forwarded to the
// nodes, waited for with per-replica progress, scaled, its logs read with their task and node,
// then removed. DOCKER_HOST names a manager; SWARM_IMAGE an image the nodes can pull.
import { createService, fromEnv, removeService, scaleService, serviceLogs } from "berth-docker";
import { createDockerApiV141 } from "berth-docker/v1.41";

const image = process.env["SWARM_IMAGE"] ?? "busybox:latest";
const registryAuth = process.env["SWARM_REGISTRY_USER"]
  ? {
      username: process.env["SWARM_REGISTRY_USER"],
      password: process.env["SWARM_REGISTRY_PASSWORD"] ?? "",
      serveraddress: image.split("/")[0],
    }
  : undefined;
const docker = createDockerApiV141(fromEnv(process.env).options);
try {
  const { id, converged } = await createService(
    docker,
    {
      Name: `berth-example-${process.pid}`,
      TaskTemplate: {
        ContainerSpec: { Image: image, Command: ["sh", "-c", "echo hello from slot $SLOT; sleep 300"], Env: ["SLOT={{.Task.Slot}}"] },
      },
      Mode: { Replicated: { Replicas: 3 } },
    },
    { registryAuth, onProgress: (p) => console.log(`progress: ${p.running}/${p.desired} running`) },
  );
  console.log(`converged: ${converged?.replicas.map((r) => `slot ${r.slot} on ${r.nodeId?.slice(0, 12)}`).join(", ")}`);

  await scaleService(docker, id, 1);
  console.log("scaled to 1");

  for await (const line of serviceLogs(docker, { service: id })) {
    console.log(`log: task ${line.taskId?.slice(0, 12)} node ${line.nodeId?.slice(0, 12)}: ${line.text}`);
  }
  await removeService(docker, id);
  console.log("removed");
} finally {
  await docker.close();
}
