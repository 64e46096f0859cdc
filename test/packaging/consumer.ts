// Type-checked by scripts/pack-test.sh with moduleResolution nodenext and bundler: the package's
// declarations resolve through its `exports` map, for the main entry and the subpaths.
import { DockerClient, NoSuchContainerError, fromEnv, type APIContainers, type DockerError, type ProgressSnapshot } from "berth-docker";
import { createDockerApiV141, type ContainerSummary } from "berth-docker/v1.41";
import type { paths as PathsV110 } from "berth-docker/generated/v1.10";
import type { paths as PathsV141 } from "berth-docker/generated/v1.41";

export async function listNames(): Promise<string[]> {
  const docker = new DockerClient(fromEnv(process.env).options);
  const containers: APIContainers[] = await docker.listContainers({ all: true });
  await docker.close();
  return containers.flatMap((container) => container.Names);
}

export async function summaries(): Promise<ContainerSummary[]> {
  const docker = createDockerApiV141();
  const { data } = await docker.api.GET("/containers/json", { params: { query: { all: true } } });
  return data ?? [];
}

export function describe(error: DockerError): string {
  return error instanceof NoSuchContainerError ? `missing ${error.id}` : `${error.code}: ${error.message}`;
}

export function layers(snapshot: ProgressSnapshot): number {
  return snapshot.layersTotal;
}

export type Both = keyof PathsV110 | keyof PathsV141;
const path: Both = "/containers/json";

// @ts-expect-error a misspelled option is a compile error for package users too
new DockerClient({ hots: "unix:///x" });

void path;
