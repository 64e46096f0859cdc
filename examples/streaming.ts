// Progress streams (push, pull) folded into per-layer snapshots, and a tar export read as a stream.
import { DockerClient, foldProgress, fromEnv } from "berth-docker";

const image = process.env["EXAMPLE_IMAGE"] ?? "busybox:latest";
const registry = process.env["EXAMPLE_REGISTRY"] ?? "127.0.0.1:5000";
const repository = `${registry}/berth-examples/busybox`;

const docker = new DockerClient(fromEnv(process.env).options);
try {
  await docker.tagImage({ name: image, repo: repository, tag: "example" });

  // Iterate an operation for its messages; `await` it for the result.
  const push = docker.pushImage({ name: `${repository}:example` });
  for await (const snapshot of foldProgress(push)) {
    if (snapshot.final) console.log(`pushed ${snapshot.layersTotal} layers`);
  }
  console.log("digest:", (await push).digest);

  const pull = docker.pullImage({ repository, tag: "example" });
  for await (const message of pull) if (message.status?.startsWith("Status:")) console.log(message.status);
  console.log("pulled:", (await pull).image);

  // Byte streams arrive at the reader's pace; nothing is buffered whole.
  const { Id: id } = await docker.createContainer({ config: { Image: image, Cmd: ["true"] } });
  let bytes = 0;
  for await (const chunk of docker.exportContainer({ id })) bytes += chunk.byteLength;
  console.log(`exported ${bytes} bytes of tar`);
  await docker.removeContainer({ id });
} finally {
  await docker.removeImage({ name: `${repository}:example` }).catch(() => undefined);
  await docker.close();
}
