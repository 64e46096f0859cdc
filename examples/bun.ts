// runtimes: bun
// Bun: the same package; Bun.env is the process environment.
import { DockerClient, fromEnv } from "berth-docker";

const { options } = fromEnv(Bun.env);
const docker = new DockerClient(options);
try {
  const images = await docker.listImages();
  console.log(`bun ${Bun.version}: ${images.length} images, e.g. ${images[0]?.RepoTags[0] ?? "(none)"}`);
} finally {
  await docker.close();
}
