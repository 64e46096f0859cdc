/**
 * The event monitor on Node (via tsx), Bun and Deno against the real daemon, at API 1.12 and
 * 1.41: a listener receives a container's create and destroy, an iterator sees the same, and
 * closing releases the connection (the daemon's `NEventsListener` goes back down).
 *   npx tsx test/runtime/events.ts | npx bun run test/runtime/events.ts | npx deno run -A test/runtime/events.ts
 */
import { createDockerApi } from "../../src/index.js";
import { createEventMonitor, type DockerEvent, type EventItem } from "../../src/events/index.js";
import { probeTestDaemon } from "../helpers/daemon-kind.js";
import { assert, assertEqual, env, run, test } from "./harness.js";

const host = env("BERTH_TEST_DOCKER_HOST");
const image = env("BERTH_TEST_IMAGE") ?? "berth-test/busybox:latest";
if (!host) throw new Error("BERTH_TEST_DOCKER_HOST is not set: run through `npm test`");

// podman 4.3 (docs/podman.md): a removed container's event is `remove`, and `/info` keeps no
// count of event listeners (NEventsListener is always 0)
const podman = (await probeTestDaemon(host)).kind === "podman";
const removed = podman ? "remove" : "destroy";

const uniqueName = () => `berth-test-events-rt-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

for (const apiVersion of ["1.12", "1.41"]) {
  const docker = createDockerApi<any>({ host, preferredVersion: "1.41", apiVersion });
  const listenerCount = async () => ((await docker.api.GET("/info", {})).data as { NEventsListener: number }).NEventsListener;

  async function createAndRemove(): Promise<string> {
    const { data } = await docker.api.POST("/containers/create", {
      params: { query: { name: uniqueName() } },
      body: { Image: image, Cmd: ["true"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } },
    });
    const id = data.Id as string;
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
    return id;
  }

  test(`API ${apiVersion}: a listener receives a container's create and destroy`, async () => {
    const before = await listenerCount();
    const monitor = createEventMonitor(docker);
    const items: EventItem[] = [];
    monitor.addEventListener((item) => void items.push(item));
    try {
      await monitor.ready();
      assertEqual(await listenerCount(), podman ? 0 : before + 1, "one events connection on the daemon");
      const id = await createAndRemove();
      const mine = () => items.filter((item): item is DockerEvent => item.kind === "event" && item.actor.id === id);
      await until(() => mine().length >= 2, "create and destroy");
      assertEqual(
        mine().map((event) => [event.type, event.action]),
        [
          ["container", "create"],
          ["container", removed],
        ],
      );
      assert(typeof mine()[0]!.timeNano === "bigint" && mine()[0]!.timeNano > 0n, "timeNano is an exact bigint");
      assertEqual(items.filter((item) => item.kind !== "event").length, 0, "no errors or overflow");
    } finally {
      await monitor.close();
    }
    await until(async () => (await listenerCount()) === before, "the events connection to close");
  });

  test(`API ${apiVersion}: events() iterates the same and ends on close`, async () => {
    const before = await listenerCount();
    const monitor = createEventMonitor(docker);
    const seen: Array<[string, string]> = [];
    const iterator = monitor.events({ filters: { type: "container", action: ["create", removed] } });
    const loop = (async () => {
      for await (const item of iterator) if (item.kind === "event") seen.push([item.actor.id, item.action]);
    })();
    await monitor.ready();
    const id = await createAndRemove();
    const mine = () => seen.filter(([actor]) => actor === id).map(([, action]) => action);
    await until(() => mine().length >= 2, "create and destroy through the iterator");
    assertEqual(mine(), ["create", removed]);
    await monitor.close();
    await loop;
    // The daemon counts the listener down a moment after the connection closed; the next test
    // reads the count as its baseline, so it must be back first (seen once on Deno: 1 for 0).
    await until(async () => (await listenerCount()) === before, "the events connection to close");
  });
}

await run("events");
