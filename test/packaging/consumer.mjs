// Run by scripts/pack-test.sh in a fresh project that installed the packed tarball, unchanged on
// Node, Bun and Deno: imports berth by its package name and talks to the test daemon.
import { DockerClient, DockerConnectionError, DockerError, createDockerApi, fromEnv, isDockerError, BERTH_VERSION } from "berth-docker";
import { createDockerApiV141 } from "berth-docker/v1.41";

const env = typeof Deno !== "undefined" ? Deno.env.toObject() : process.env;
const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
const { options, source } = fromEnv(env);
if (source !== "DOCKER_HOST") throw new Error(`expected the connection from DOCKER_HOST, got ${source}`);

const docker = new DockerClient(options);
try {
  const pong = await docker.ping();
  if (pong !== "OK") throw new Error(`ping answered ${JSON.stringify(pong)}`);
  const version = await docker.version();
  if (!/^\d+\.\d+/.test(version.Version ?? "")) throw new Error(`odd daemon version ${JSON.stringify(version.Version)}`);
  const apiVersion = await docker.apiVersion();

  const v141 = createDockerApiV141(options);
  const { data } = await v141.api.GET("/version");
  await v141.close();
  if (data?.ApiVersion === undefined) throw new Error("the v1.41 client got no ApiVersion");

  // The package is bundled with one file per entry point and the shared code in chunks: an error
  // thrown by code reached through "berth/v1.41" is an instance of the classes "berth" exports.
  const unreachable = createDockerApiV141({ host: "unix:///nonexistent/berth-pack-test.sock" });
  const refused = await unreachable.api.GET("/_ping").catch((error) => error);
  await unreachable.close();
  if (!(refused instanceof DockerError) || !(refused instanceof DockerConnectionError))
    throw new Error(`expected a DockerConnectionError of "berth" from "berth-docker/v1.41", got ${refused}`);

  // The typed errors survive packaging: a missing container is NoSuchContainerError.
  const missing = await docker.inspectContainer({ id: "berth-pack-test-no-such-container" }).catch((error) => error);
  if (!isDockerError(missing) || missing.code !== "ERR_NO_SUCH_CONTAINER")
    throw new Error(`expected ERR_NO_SUCH_CONTAINER, got ${missing}`);

  if (typeof createDockerApi !== "function") throw new Error("createDockerApi is not exported");
  console.log(
    `${runtime}: berth ${BERTH_VERSION} ping OK, daemon ${version.Version}, API ${apiVersion} (v1.41 client: ${data.ApiVersion})`,
  );
} finally {
  await docker.close();
}
