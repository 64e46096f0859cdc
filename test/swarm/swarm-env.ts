/**
 * Where the swarm tests find the swarm: scripts/swarm.sh exports BERTH_SWARM_* (scripts/test.sh
 * starts it for `npm test`). Node 1 is the manager; nodes 2 and 3 are workers unless a test
 * promotes them. Every helper that changes the swarm undoes it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createDockerApiV141, type DockerApiV141 } from "../../src/versions/v1.41.js";
import { listServices, removeService, type ServiceSpec } from "../../src/swarm/index.js";

const run = promisify(execFile);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run \`npm test\` or \`eval "$(bash scripts/swarm.sh start)"\` first`);
  return value;
}

/** The unix socket addresses of nodes 1, 2 and 3. */
export const swarmNodeHosts = (): string[] => required("BERTH_SWARM_NODES").split(",");
/** The test image in the swarm's registry (nodes pull it with the credentials below). */
export const swarmImage = (): string => required("BERTH_SWARM_IMAGE");
export const swarmRegistryAuth = () => ({
  username: required("BERTH_SWARM_REGISTRY_USER"),
  password: required("BERTH_SWARM_REGISTRY_PASSWORD"),
  serveraddress: required("BERTH_SWARM_REGISTRY"),
});

const clients: DockerApiV141[] = [];
/** A client on node N (1-3), closed after the file. */
export function nodeClient(n: 1 | 2 | 3): DockerApiV141 {
  const docker = createDockerApiV141({ host: swarmNodeHosts()[n - 1] });
  clients.push(docker);
  return docker;
}
export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
}

/** `bash scripts/swarm.sh ARGS...` with this run's environment. */
export async function swarmScript(...args: string[]): Promise<string> {
  const { stdout } = await run("bash", ["scripts/swarm.sh", ...args], { env: process.env, timeout: 180_000 });
  return stdout;
}

/** A short unique service name (service names are DNS labels: 63 characters at most). */
export function serviceName(prefix: string): string {
  return `bt-${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A replicated service of the test image running `command`, stopping within a second. */
export function sleeperSpec(name: string, replicas: number, command: string[] = ["sleep", "300"]): ServiceSpec {
  return {
    Name: name,
    Labels: { "berth.test": "1" },
    TaskTemplate: {
      ContainerSpec: { Image: swarmImage(), Command: command, StopGracePeriod: 1_000_000_000 },
      RestartPolicy: { Condition: "any", Delay: 200_000_000 },
    },
    Mode: { Replicated: { Replicas: replicas } },
  };
}

/** Removes every service the tests created (label berth.test=1) on the manager. */
export async function removeTestServices(docker: DockerApiV141): Promise<void> {
  const services = await listServices(docker, { filters: { label: ["berth.test=1"] } });
  await Promise.all(services.map((s) => removeService(docker, s.ID!).catch(() => {})));
}
