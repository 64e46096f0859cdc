import { createDockerV141 } from "../../src/versions/v1.41.js";
import { createDockerV156 } from "../../src/versions/v1.56.js";
export async function probe() {
  const docker = createDockerV141();
  const created = await docker.containers.create({ name: "x", body: { Image: "busybox", HostConfig: { Binds: ["/a:/b"] } } });
  const id: string = created.Id;
  const list = await docker.containers.list({ all: true, filters: { status: ["running"] } });
  const n: string[] | null | undefined = list[0]?.Names;
  await docker.containers.kill({ id, querySignal: "SIGKILL" });
  const nets = await docker.networks.list();
  const vol = await docker.volumes.create({ body: { Name: "v" } });
  const df = await docker.system.dataUsage();
  const exec = await docker.exec.create({ id, body: { Cmd: ["ls"], AttachStdin: true } });
  const session = await docker.exec.start({ id: exec.Id, body: {} });
  const logs = await docker.containers.logs({ id, follow: true });
  const op = docker.images.create({ fromImage: "x" });
  for await (const m of op) m.status;
  const ping: string = await docker.system.ping();
  const w = await docker.containers.wait({ id });
  const code: number = w.StatusCode;
  const h = await docker.containers.waitHealthy({ id, timeoutMs: 10 });
  // @ts-expect-error misspelled body field
  await docker.containers.create({ body: { Image: "x", Hostconfig: {} } });
  // @ts-expect-error misspelled query
  await docker.containers.list({ al: true });
  // @ts-expect-error missing id
  await docker.containers.inspect({});
  const d2 = createDockerV156();
  const i = await d2.containers.inspect({ id });
  const v: string | undefined = i.Name;
  return [n, nets, vol, df, session, logs, ping, code, h, v];
}
