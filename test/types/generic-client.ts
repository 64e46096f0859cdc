/**
 * Compile-time checks of the generated clients (this file is part of `tsc -p tsconfig.json`,
 * never run): correct calls compile with their results used without `!`, and every
 * `@ts-expect-error` pins a mistake the types must refuse (a misspelled parameter or body
 * field, a missing required option, a wrong result type). The same checks hold for the 1.56
 * client, made from its table by the same types.
 */
import { DockerClient, type AttachSession, type ByteStreamOperation, type ContainerLogStream, type ExecSession } from "../../src/index.js";
import type { ProgressOperation } from "../../src/client/progress.js";
import type { ProgressResult } from "../../src/progress/fold.js";
import { createDockerV141 } from "../../src/versions/v1.41.js";
import { createDockerV156 } from "../../src/versions/v1.56.js";

export async function program(): Promise<unknown[]> {
  await using docker = createDockerV141();
  const created = await docker.containers.create({
    name: "web",
    body: { Image: "busybox", Cmd: ["sleep", "60"], HostConfig: { Binds: ["data:/data"], NetworkMode: "none" } },
  });
  const id: string = created.Id;
  const listed = await docker.containers.list({ all: true, filters: { status: ["running"], label: "tier=front" } });
  const names: (string[] | null | undefined)[] = listed.map((c) => c.Names);
  await docker.containers.kill({ id, querySignal: "SIGKILL" });
  const volume = await docker.volumes.create({ body: { Name: "data" } });
  const volumeName: string = volume.Name;
  const network = await docker.networks.create({ body: { Name: "backend", Internal: true } });
  const networkId: string = network.Id;
  const df = await docker.system.dataUsage();
  const ping: string = await docker.system.ping();
  const stat: Headers = await docker.containers.archiveInfo({ id, path: "/etc" });
  const exec = await docker.exec.create({ id, body: { Cmd: ["cat"], AttachStdin: true, AttachStdout: true } });
  const session: ExecSession = await docker.exec.start({ id: exec.Id, body: { Tty: false } });
  const attached: AttachSession = await docker.containers.attach({ id, stream: true, stdout: true });
  const logs: ContainerLogStream = await docker.containers.logs({ id, follow: true, stdout: true });
  const pull: ProgressOperation<ProgressResult> = docker.images.create({ fromImage: "busybox", tag: "latest" });
  for await (const message of pull) void message.status;
  const exported: ByteStreamOperation = docker.containers.export({ id });
  const built = await docker.images.build({ t: "app", body: { directory: "." } });
  const imageId: string | undefined = built.imageId;
  await docker.containers.putArchive({ id, path: "/tmp", body: { files: { "a.txt": "a" } } });
  const waited = await docker.containers.wait({ id });
  const code: number = waited.StatusCode;
  const healthy = await docker.containers.waitHealthy({ id, timeoutMs: 5_000 });
  const health: string | undefined = healthy.State?.Health?.Status;
  for await (const item of docker.system.events({ filters: { type: "container" }, signal: AbortSignal.timeout(1000) })) void item.kind;
  const legacy = DockerClient.over(docker);

  // @ts-expect-error "Hostconfig": a misspelled body field
  await docker.containers.create({ body: { Image: "busybox", Hostconfig: {} } });
  // @ts-expect-error "limt": a misspelled query parameter
  await docker.containers.list({ limt: 1 });
  // @ts-expect-error "id": a required path parameter is missing
  await docker.containers.inspect({});
  // @ts-expect-error "body": a required body is missing
  await docker.networks.create({});
  // @ts-expect-error "string": the result is typed, not any
  const wrong: number = created.Id;
  // @ts-expect-error "signal": the kill signal is `querySignal`; `signal` is the AbortSignal
  await docker.containers.kill({ id, signal: "SIGKILL" });

  const newest = createDockerV156({ core: docker.core });
  const inspected = await newest.containers.inspect({ id });
  const name: string | undefined = inspected.Name;
  // @ts-expect-error "Imagee": the 1.56 types refuse the same mistakes
  await newest.containers.create({ body: { Imagee: "busybox" } });
  return [names, volumeName, networkId, df, ping, stat, session, attached, logs, exported, imageId, code, health, legacy, wrong, name];
}
