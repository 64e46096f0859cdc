// The generated client for API 1.41 (Docker 20.10): every operation is a typed method, results
// are the data, errors are typed. Networks, a volume, a container with a bind, exec with stdin,
// logs and system df.
import { collectOutput, fromEnv } from "berth-docker";
import { createDockerV141 } from "berth-docker/v1.41";

const image = process.env["EXAMPLE_IMAGE"] ?? "busybox:latest";
await using docker = createDockerV141(fromEnv(process.env).options);

const networks = await docker.networks.list({ filters: { name: ["host", "none"] } });
console.log(
  `networks: ${networks
    .map((network) => network.Name)
    .sort()
    .join(", ")}`,
);

const volume = await docker.volumes.create({ body: { Name: `berth-example-${process.pid}`, Labels: { example: "modern" } } });
const { Id: id } = await docker.containers.create({
  body: {
    Image: image,
    Cmd: ["sh", "-c", "echo started; sleep 30"],
    StopTimeout: 1,
    HostConfig: { NetworkMode: "none", Binds: [`${volume.Name}:/data`] },
  },
});
try {
  await docker.containers.start({ id });

  // exec with stdin: closing it half-closes the connection, so `cat` sees the end of its input.
  const exec = await docker.exec.create({
    id,
    body: { Cmd: ["sh", "-c", "cat > /data/note && wc -c < /data/note"], AttachStdin: true, AttachStdout: true, AttachStderr: true },
  });
  const session = await docker.exec.start({ id: exec.Id, body: { Tty: false } });
  const output = collectOutput(session.frames());
  const stdin = session.stdin.getWriter();
  await stdin.write(new TextEncoder().encode("kept in a volume\n"));
  await stdin.close();
  console.log(`exec wrote ${(await output).stdout.trim()} bytes, exit ${await session.exitCode()}`);

  const logs = await collectOutput(await docker.containers.logs({ id, stdout: true, stderr: true }));
  console.log(`logs: ${logs.stdout.trim()}`);

  const df = await docker.system.dataUsage();
  const mine = df.Volumes?.find((v) => v.Name === volume.Name);
  console.log(`system df: ${df.Images?.length ?? 0} image(s), volume ${mine?.Name === volume.Name ? "listed" : "missing"}`);
} finally {
  await docker.containers.delete({ id, force: true });
  await docker.volumes.delete({ name: volume.Name });
}
