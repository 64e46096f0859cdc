// Every failure is a DockerError with a stable `code`; subclasses carry the details.
import { ConnectionRefusedError, DockerClient, NoSuchContainerError, fromEnv, isDockerError } from "berth-docker";

const docker = new DockerClient(fromEnv(process.env).options);
try {
  await docker.inspectContainer({ id: "no-such-container" });
} catch (error) {
  if (error instanceof NoSuchContainerError) console.log(`${error.code}: ${error.message} (HTTP ${error.status})`);
  else throw error;
} finally {
  await docker.close();
}

const nowhere = new DockerClient({ host: "unix:///nonexistent/docker.sock" });
try {
  await nowhere.ping();
} catch (error) {
  // isDockerError works across copies of the package; `code` is what to switch on.
  if (isDockerError(error)) console.log(`${error.code} (${error.name}), refused: ${error instanceof ConnectionRefusedError}`);
} finally {
  await nowhere.close();
}
