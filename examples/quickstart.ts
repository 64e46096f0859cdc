// Connect the way the docker CLI does, then run a container and read what it printed.
import { DockerClient, fromEnv } from "berth-docker";

const image = process.env["EXAMPLE_IMAGE"] ?? "busybox:latest";

// DOCKER_HOST, DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, DOCKER_CONTEXT, or ~/.docker's current context.
const { options, source } = fromEnv(process.env);
await using docker = new DockerClient(options);

const version = await docker.version();
console.log(`Docker ${version.Version} (via ${source}), API ${await docker.apiVersion()}`);

const { Id: id } = await docker.createContainer({
  config: { Image: image, Cmd: ["echo", "hello from berth"], AttachStdout: true, AttachStderr: true },
});
try {
  // Attach before starting, so no output is missed.
  const session = await docker.attachToContainer({ container: id, stream: true, stdout: true, stderr: true });
  await docker.startContainer({ id });
  let output = "";
  for await (const { data } of session.frames()) output += new TextDecoder().decode(data);
  const exitCode = await docker.waitContainer({ id });
  console.log(`exit ${exitCode}: ${output.trim()}`);
} finally {
  await docker.removeContainer({ id, force: true });
}
