/**
 * A user's program against a client generated with `berth generate` in a fresh project
 * (scripts/consumer-test.sh copies it there once per version, replacing __VERSION__). It runs
 * as compiled JavaScript on Node, and as TypeScript on Bun and on Deno (no --sloppy-imports):
 * networks, a volume without labels, a container with a bind, list filters, exec with stdin,
 * logs follow, push and pull with progress through the local registry, a build from a
 * directory, export, events and system df, through the raw typed calls and (networks, volumes)
 * the generated client's methods. Successful results are used without `!`.
 *
 * Needs DOCKER_HOST, BERTH_TEST_IMAGE and BERTH_TEST_REGISTRY (scripts/daemon.sh env).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { containerLogs, createDocker, createDockerApi, encodeFilters, fromEnv, readJsonStream, runExec, tarDirectory } from "berth-docker";
import { apiVersion, definition, validateVolume, type paths } from "./gen/v__VERSION__/index.js";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const image = process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
const registry = process.env["BERTH_TEST_REGISTRY"] ?? "127.0.0.1:5055";
const name = `berth-consumer-${runtime}-${apiVersion.replace(".", "")}-${Math.random().toString(16).slice(2, 8)}`;
const NO_AUTH = { "X-Registry-Auth": "e30=" };

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`consumer check failed: ${what}`);
}

/** Reads a JSON-lines progress body; fails on an in-band error. */
async function progress(body: ReadableStream<Uint8Array> | null): Promise<Record<string, unknown>[]> {
  const messages: Record<string, unknown>[] = [];
  if (!body) return messages;
  for await (const item of readJsonStream(body)) {
    if (item.error) throw item.error;
    const message = item.value as Record<string, unknown>;
    if (message["error"] !== undefined) throw new Error(`in-band error: ${String(message["error"])}`);
    messages.push(message);
  }
  return messages;
}

const docker = createDockerApi<paths>({ ...fromEnv(process.env).options, preferredVersion: apiVersion });
const api = docker.api;
const cleanup: (() => Promise<unknown>)[] = [];
const since = Math.floor(Date.now() / 1000) - 1;
try {
  const negotiated = await docker.apiVersion();

  // Networks: create, list with a filter, inspect.
  const { data: network } = await api.POST("/networks/create", { body: { Name: `${name}-net`, Driver: "bridge", Internal: true } });
  cleanup.push(() => api.DELETE("/networks/{id}", { params: { path: { id: network.Id ?? "" } } }));
  const { data: networks } = await api.GET("/networks", { params: { query: { filters: encodeFilters({ name: [`${name}-net`] }) } } });
  check(networks.length === 1, "one network listed by name");

  // A volume without labels: Docker 20.10 answers "Labels": null, which the types allow.
  const { data: volume } = await api.POST("/volumes/create", { body: { Name: `${name}-vol` } });
  cleanup.push(() => api.DELETE("/volumes/{name}", { params: { path: { name: volume.Name } } }));
  check(validateVolume(volume), "the volume answer validates");
  const labels: Record<string, string> = volume.Labels ?? {};

  // The generated client of the same version, on the same connection: methods named from the
  // operation ids, results are the data.
  const modern = createDocker(definition, { core: docker });
  check((await modern.networks.list({ filters: { name: [`${name}-net`] } })).length === 1, "networks.list with a filter");
  check((await modern.volumes.inspect({ name: volume.Name })).Name === volume.Name, "volumes.inspect");

  // A container with a bind of the volume; exec with stdin writes through it.
  const { data: created } = await api.POST("/containers/create", {
    params: { query: { name: `${name}-box` } },
    body: {
      Image: image,
      Cmd: ["sleep", "30"],
      Labels: { "berth.consumer": name },
      StopTimeout: 1,
      HostConfig: { Binds: [`${volume.Name}:/data`], NetworkMode: "none" },
    },
  });
  const id = created.Id;
  cleanup.push(() => api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } } }));
  await api.POST("/containers/{id}/start", { params: { path: { id } } });
  const exec = await runExec(docker, id, ["sh", "-c", "cat > /data/note; cat /data/note"], { stdin: "through stdin" });
  check(exec.exitCode === 0 && exec.stdout === "through stdin", `exec with stdin: ${JSON.stringify(exec)}`);
  const { data: listed } = await api.GET("/containers/json", {
    params: { query: { filters: encodeFilters({ label: [`berth.consumer=${name}`] }) } },
  });
  check(listed.length === 1 && listed[0]?.Id === id, "the container listed by label");
  const { data: inspected } = await api.GET("/containers/{id}/json", { params: { path: { id } } });
  check(inspected.HostConfig?.Binds?.[0] === `${volume.Name}:/data`, "the bind is in the inspect answer");

  // Logs follow of a short container: ends when it exits.
  const { data: talker } = await api.POST("/containers/create", {
    body: { Image: image, Cmd: ["sh", "-c", "echo one; sleep 1; echo two >&2"], HostConfig: { NetworkMode: "none" } },
  });
  cleanup.push(() => api.DELETE("/containers/{id}", { params: { path: { id: talker.Id }, query: { force: true } } }));
  await api.POST("/containers/{id}/start", { params: { path: { id: talker.Id } } });
  const lines: string[] = [];
  for await (const chunk of await containerLogs(docker, { container: talker.Id, follow: true })) {
    lines.push(`${chunk.stream}:${new TextDecoder().decode(chunk.data).trim()}`);
  }
  check(lines.join(",") === "stdout:one,stderr:two", `logs follow: ${lines.join(",")}`);

  // Push to and pull from the local registry, with progress.
  const remote = `${registry}/${name}`;
  await api.POST("/images/{name}/tag", { params: { path: { name: image }, query: { repo: remote, tag: "v1" } } });
  const { data: pushBody } = await api.POST("/images/{name}/push", {
    params: { path: { name: remote }, header: NO_AUTH, query: { tag: "v1" } },
    parseAs: "stream",
  });
  await progress(pushBody);
  await api.DELETE("/images/{name}", { params: { path: { name: `${remote}:v1` } } });
  const { data: pullBody } = await api.POST("/images/create", {
    params: { query: { fromImage: remote, tag: "v1" }, header: NO_AUTH },
    parseAs: "stream",
  });
  const pulled = await progress(pullBody);
  cleanup.push(() => api.DELETE("/images/{name}", { params: { path: { name: `${remote}:v1` }, query: { force: true } } }));
  check(
    pulled.some((m) => String(m["status"]).includes("Downloaded newer image") || String(m["status"]).includes("Image is up to date")),
    "pull progress",
  );

  // Build from a directory (its .dockerignore honoured by tarDirectory).
  const context = await mkdtemp(join(tmpdir(), "berth-consumer-ctx-"));
  cleanup.push(() => rm(context, { recursive: true, force: true }));
  await writeFile(join(context, "Dockerfile"), `FROM ${image}\nCOPY . /ctx\n`);
  await writeFile(join(context, "kept.txt"), "kept\n");
  await writeFile(join(context, "secret.txt"), "ignored\n");
  await writeFile(join(context, ".dockerignore"), "secret.txt\n");
  const { data: buildBody } = await api.POST("/build", {
    params: { query: { t: `${name}:built`, rm: true, forcerm: true }, header: { "Content-type": "application/x-tar" } },
    body: await tarDirectory(context),
    parseAs: "stream",
  });
  const built = await progress(buildBody);
  cleanup.push(() => api.DELETE("/images/{name}", { params: { path: { name: `${name}:built` }, query: { force: true } } }));
  check(
    built.some((m) => String(m["stream"] ?? "").startsWith("Successfully built")),
    "build output",
  );
  const listing = await runBuilt(`${name}:built`);
  check(listing === "Dockerfile,kept.txt", `build context honoured .dockerignore: ${listing}`);

  // Export: a byte stream.
  const { data: exported } = await api.GET("/containers/{id}/export", { params: { path: { id } }, parseAs: "stream" });
  let bytes = 0;
  if (exported) for await (const piece of exported) bytes += piece.byteLength;
  check(bytes > 100_000, `export bytes: ${bytes}`);

  // Events since the start, ended by `until`.
  const { data: eventsBody } = await api.GET("/events", {
    params: {
      query: { since: String(since), until: String(Math.floor(Date.now() / 1000) + 1), filters: encodeFilters({ container: [id] }) },
    },
    parseAs: "stream",
  });
  const events: string[] = [];
  if (eventsBody) for await (const item of readJsonStream(eventsBody)) events.push(String((item.value as { Action?: string }).Action));
  check(events.includes("start"), `events: ${events.join(",")}`);

  // System df: the volume is there, labels null included.
  const { data: df } = await api.GET("/system/df");
  check(
    (df.Volumes ?? []).some((v) => v.Name === volume.Name),
    "system df lists the volume",
  );

  console.log(
    `consumer ${runtime} v${apiVersion} (negotiated ${negotiated}): ok — exec, ${lines.length} log lines, ${pulled.length} pull and ${built.length} build messages, ${bytes} export bytes, ${events.length} events, ${Object.keys(labels).length} labels`,
  );
} finally {
  for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  await docker.close();
}

/** The files the built image got from its context. */
async function runBuilt(tag: string): Promise<string> {
  const result = await runContainerOutput(tag, ["sh", "-c", "ls /ctx | tr '\\n' ',' | sed 's/,$//'"]);
  return result.trim();
}

async function runContainerOutput(tag: string, cmd: string[]): Promise<string> {
  const { data: box } = await api.POST("/containers/create", { body: { Image: tag, Cmd: cmd, HostConfig: { NetworkMode: "none" } } });
  try {
    await api.POST("/containers/{id}/start", { params: { path: { id: box.Id } } });
    await api.POST("/containers/{id}/wait", { params: { path: { id: box.Id } } });
    let out = "";
    for await (const chunk of await containerLogs(docker, { container: box.Id })) out += new TextDecoder().decode(chunk.data);
    return out;
  } finally {
    await api.DELETE("/containers/{id}", { params: { path: { id: box.Id }, query: { force: true } } });
  }
}
