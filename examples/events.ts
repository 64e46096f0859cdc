// Events as an async iterator, filtered on the client; leaving the loop ends the subscription.
import { DockerClient, fromEnv } from "berth-docker";

const image = process.env["EXAMPLE_IMAGE"] ?? "busybox:latest";
const docker = new DockerClient(fromEnv(process.env).options);
const name = `berth-example-events-${Date.now()}`;

const seen: string[] = [];
const listening = (async () => {
  const since = new Date(Date.now() - 1000); // replay from just before, so nothing is missed
  for await (const item of docker.events({ since, filters: { type: "container", name } })) {
    if (item.kind !== "event") continue; // overflow markers, replay gaps and stream errors
    seen.push(item.action);
    if (item.action === "destroy" || item.action === "remove") break; // dockerd, podman
  }
})();

const { Id: id } = await docker.createContainer({ name, config: { Image: image, Cmd: ["true"] } });
await docker.startContainer({ id });
await docker.waitContainer({ id });
await docker.removeContainer({ id });
await listening;
console.log(seen.join(" → "));
await docker.close();
