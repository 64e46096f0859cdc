// runtimes: deno
// Deno: the same package; the environment is handed over explicitly.
import { DockerClient, fromEnv } from "berth-docker";

const { options } = fromEnv(Deno.env.toObject());
const docker = new DockerClient(options);
try {
  const info = await docker.info();
  console.log(`deno ${Deno.version.deno}: ${info["Containers"]} containers, storage driver ${info["Driver"]}`);
} finally {
  await docker.close();
}
