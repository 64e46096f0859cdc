// @ts-nocheck -- compiled by test/unit/versions-types.test.ts against types it generates from the upstream v1.56 document; the repo's own tsc skips this file.
/**
 * A user program for API 1.56, a version berth does not ship types for: the user generated
 * them (`./generated/`) and uses the generic `createDockerApi<paths>` with berth's
 * version-independent helpers, whose option and answer types follow the client's version.
 *
 * Every `@ts-expect-error` names, in quotes, the mistake it pins. The test also compiles a copy
 * without the directives and expects an error mentioning that name on exactly those lines.
 */
import { createDockerApi } from "berth-docker";
import { attachToContainer } from "berth-docker/attach";
import { createExec, inspectExec, runExec, startExec } from "berth-docker/exec";
import { containerLogs } from "berth-docker/logs";
import { encodeFilters, strictApi } from "berth-docker/versions";
import { apiVersion, type paths } from "./generated/index.js";

export async function program(): Promise<unknown[]> {
  const docker = createDockerApi<paths>({ preferredVersion: apiVersion });
  const api = strictApi(docker);
  const version: "1.56" = apiVersion;

  // Correct calls: the raw API (lenient and strict typing), then berth's helpers.
  const { data: created } = await api.POST("/containers/create", {
    params: { query: { name: "web" } },
    body: {
      Image: "busybox",
      Cmd: ["sleep", "60"],
      Labels: { tier: "front" },
      HostConfig: { NetworkMode: "none", CgroupnsMode: "private" },
    },
  });
  const id: string | undefined = created?.Id;
  const { data: inspected } = await docker.api.GET("/containers/{id}/json", { params: { path: { id: "web" } } });
  const running: boolean | undefined = inspected?.State?.Running;
  const { data: list } = await api.GET("/containers/json", {
    params: { query: { all: true, filters: encodeFilters({ label: ["tier=front"] }) } },
  });
  const names = (list ?? []).map((container) => container.Names);
  const { data: logStream } = await api.GET("/containers/{id}/logs", {
    params: { path: { id: "web" }, query: { stdout: true } },
    parseAs: "stream",
  });
  const body: ReadableStream<Uint8Array> | null | undefined = logStream;

  // Exec create gained WorkingDir in API 1.35 and ConsoleSize in 1.42.
  const exec = await createExec(docker, "web", { Cmd: ["ls"], AttachStdout: true, Tty: true, WorkingDir: "/", ConsoleSize: [24, 80] });
  const session = await startExec(docker, exec, { tty: true, consoleSize: { height: 24, width: 80 } });
  await session.resize({ height: 30, width: 100 });
  const exitCode: number | null | undefined = (await inspectExec(docker, exec)).ExitCode;
  const result: { exitCode: number; stdout: string; stderr: string } = await runExec(docker, "web", ["cat"], { stdin: "input" });
  const logs = await containerLogs(docker, { container: "web", follow: true, since: new Date(), tail: 10 });
  for await (const { stream, data } of logs) console.log(stream, data.length);
  const attached = await attachToContainer(docker, { container: "web", stream: true, stdout: true });

  // Mistakes.
  // @ts-expect-error -- "name": the path parameter of /containers/{id}/json is `id`
  await docker.api.GET("/containers/{id}/json", { params: { path: { name: "web" } } });
  // @ts-expect-error -- "/containers/{id}/jsn": no such path
  await docker.api.GET("/containers/{id}/jsn", { params: { path: { id: "web" } } });
  // @ts-expect-error -- "number": Image, a string in the create body, given a number
  await docker.api.POST("/containers/create", { body: { Image: 42 } });
  // @ts-expect-error -- "limt": not a query parameter of ContainerList (next to a valid one)
  await api.GET("/containers/json", { params: { query: { all: true, limt: 5 } } });
  // @ts-expect-error -- "Hostconfig": not a field of the create body (it is HostConfig)
  await api.POST("/containers/create", { body: { Image: "busybox", Hostconfig: { NetworkMode: "none" } } });
  // @ts-expect-error -- "NetworkMod": not a field of HostConfig
  await api.POST("/containers/create", { body: { Image: "busybox", HostConfig: { NetworkMod: "none" } } });
  // @ts-expect-error -- "Command": not a field of the exec config (it is Cmd)
  await createExec(docker, "web", { Cmd: ["ls"], Command: ["ls"] });
  // @ts-expect-error -- "folow": not a logs option
  await containerLogs(docker, { container: "web", folow: true });

  return [version, id, running, names, body, exitCode, result, attached];
}
