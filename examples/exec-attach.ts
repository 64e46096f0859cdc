// Exec and attach through the API 1.41 client: stdin with half-close, stdout and stderr apart.
import { attachToContainer, fromEnv, runExec } from "berth-docker";
import { createDockerApiV141 } from "berth-docker/v1.41";

const image = process.env["EXAMPLE_IMAGE"] ?? "busybox:latest";
const docker = createDockerApiV141(fromEnv(process.env).options);

const { data: created } = await docker.api.POST("/containers/create", {
  body: { Image: image, Cmd: ["sh", "-c", "wc -c; sleep 30"], OpenStdin: true, StdinOnce: true, StopTimeout: 1 },
});
const id = created!.Id;
try {
  // Attach stdin, then start: closing stdin is EOF for `wc`, while the output keeps flowing.
  const session = await attachToContainer(docker, { container: id, stream: true, stdin: true, stdout: true, stderr: true });
  await docker.api.POST("/containers/{id}/start", { params: { path: { id } } });
  const writer = session.stdin.getWriter();
  await writer.write(new TextEncoder().encode("twelve bytes"));
  await writer.close();
  const reader = session.stdout.getReader();
  const { value } = await reader.read();
  console.log("wc -c says:", new TextDecoder().decode(value).trim());
  reader.releaseLock();
  session.close();

  const { exitCode, stdout, stderr } = await runExec(docker, id, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
  console.log({ exitCode, stdout, stderr });
} finally {
  await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } } });
  await docker.close();
}
