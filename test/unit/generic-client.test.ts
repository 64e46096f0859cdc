/**
 * The generic client against a recording transport: every operation of the 1.41 and 1.56 method
 * tables is called once, and the request it sends (method, versioned path, query, headers,
 * body) and what it returns (per kind) are checked against its table entry, so the test follows
 * the tables with no per-operation code. Plus: the tables count every operation of their
 * documents, the naming rule, the kinds of the overlay, and the typed errors.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ByteStreamOperation,
  DockerApiError,
  DockerWaitError,
  InvalidOptionError,
  InvalidResponseError,
  NoSuchContainerError,
  ProgressOperation,
} from "../../src/index.js";
import type { Transport } from "../../src/index.js";
import type { TransportRequest } from "../../src/transport/messages.js";
import { createDocker } from "../../src/generic/client.js";
import type { MethodEntry, MethodTable, ParamSpec, VersionDefinition } from "../../src/generic/types.js";
import { definitionV141 } from "../../src/versions/v1.41.js";
import { definitionV156 } from "../../src/versions/v1.56.js";
import { groupName, methodName, optionName } from "../../scripts/generate/methods.mjs";

interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Answer = (request: Recorded) => Response;

/** A transport that records requests and answers with `answer`; raw connections count and fail. */
function recordingTransport(answer: Answer) {
  const requests: Recorded[] = [];
  let connects = 0;
  const transport: Transport = {
    endpoint: { kind: "tcp", host: "docker", port: 80, tls: undefined, basePath: "" },
    async fetch(request: TransportRequest) {
      if (request.signal?.aborted) throw new DOMException("aborted", "AbortError");
      let body: unknown = request.body;
      if (body !== null && body !== undefined) body = new Uint8Array(await new Response(body as BodyInit).arrayBuffer());
      const recorded = { method: request.method, url: new URL(request.url), headers: request.headers, body };
      requests.push(recorded);
      return answer(recorded);
    },
    connect: async () => {
      connects++;
      throw new Error("recording transport: no raw connections");
    },
    close: async () => {},
  };
  return { transport, requests, connects: () => connects };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
const lines = (...values: unknown[]) =>
  new Response(values.map((v) => JSON.stringify(v)).join("\n") + "\n", { status: 200, headers: { "content-type": "application/json" } });
const frame = (stream: 1 | 2, data: string) => {
  const bytes = new TextEncoder().encode(data);
  const out = new Uint8Array(8 + bytes.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, bytes.length);
  out.set(bytes, 8);
  return out;
};

const specName = (spec: ParamSpec) => (typeof spec === "string" ? [spec, spec] : spec);
const entriesOf = (table: MethodTable) =>
  Object.entries(table).flatMap(([group, methods]) =>
    Object.entries(methods).map(([name, entry]) => ({ group, name, entry: entry as MethodEntry })),
  );

/** Options for one call: every parameter set, and a body of the entry's kind. */
function optionsFor(entry: MethodEntry): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const spec of entry.pathParams ?? []) options[specName(spec)[0]!] = `p-${specName(spec)[1]}`;
  // These kinds hand their options to berth's helpers, which check values: only the path and the framing.
  if (entry.kind === "logs" || entry.kind === "hijack")
    return { ...options, tty: false, ...(entry.op === "ExecStart" ? { body: { Tty: false } } : {}) };
  for (const spec of entry.query ?? []) options[specName(spec)[0]!] = `q-${specName(spec)[1]}`;
  for (const spec of entry.header ?? []) options[specName(spec)[0]!] = `h-${specName(spec)[1]}`;
  if (entry.body === "json") options["body"] = { Probe: entry.op };
  if (entry.body === "binary") options["body"] = new TextEncoder().encode(entry.op);
  return options;
}

/** The answer a recorded request gets, by the kind of the entry being called. */
function answerFor(entry: MethodEntry): Answer {
  return (request) => {
    if (entry.kind === "progress") return lines({ status: "working" }, { status: "Digest: sha256:" + "a".repeat(64) });
    if (entry.kind === "bytes") return new Response(new TextEncoder().encode("raw bytes"), { status: 200 });
    if (entry.kind === "logs") return new Response(frame(1, "out\n"), { status: 200 });
    if (entry.kind === "events")
      return lines({ Type: "container", Action: "start", Actor: { ID: "abc", Attributes: {} }, time: 1, timeNano: 1e9 });
    if (entry.kind === "wait") return json({ StatusCode: 0, Error: null });
    if (entry.kind === "json-stream") return lines({ n: 1 }, { n: 2 });
    if (request.method === "HEAD") return new Response(null, { status: 200, headers: { "x-probe": entry.op } });
    if (entry.response === "json") return json({ answered: entry.op });
    if (entry.response === "text") return new Response("OK", { status: 200, headers: { "content-type": "text/plain" } });
    return new Response(null, { status: entry.method === "DELETE" ? 204 : 200 });
  };
}

function expectRequestShape(entry: MethodEntry, request: Recorded, version: string) {
  expect(request.method).toBe(entry.method);
  let path = entry.path;
  for (const spec of entry.pathParams ?? []) path = path.replace(`{${specName(spec)[1]}}`, `p-${specName(spec)[1]}`);
  expect(request.url.pathname).toBe(`/v${version}${path}`);
  if (entry.kind === "logs" || entry.kind === "events" || entry.kind === "hijack") return; // those helpers write their own query
  for (const spec of entry.query ?? []) expect(request.url.searchParams.get(specName(spec)[1]!)).toBe(`q-${specName(spec)[1]}`);
  for (const spec of entry.header ?? []) expect(request.headers.get(specName(spec)[1]!)).toBe(`h-${specName(spec)[1]}`);
  if (entry.body === "json" && entry.op !== "ExecStart")
    expect(JSON.parse(new TextDecoder().decode(request.body as Uint8Array))).toEqual({ Probe: entry.op });
  if (entry.body === "binary") expect(new TextDecoder().decode(request.body as Uint8Array)).toBe(entry.op);
}

async function callEveryOperation(definition: VersionDefinition) {
  for (const { group, name, entry } of entriesOf(definition.methods)) {
    const { transport, requests, connects } = recordingTransport(answerFor(entry));
    // The recorded answers are placeholders, not the schemas' shapes: answers are not validated here.
    const docker = createDocker(definition, { transport, apiVersion: definition.apiVersion, validation: "off" }) as unknown as Record<
      string,
      Record<string, (options: unknown) => unknown>
    >;
    const method = docker[group]![name]!;
    const label = `${group}.${name} (${entry.op})`;
    const result = method(optionsFor(entry));
    switch (entry.kind) {
      case "progress": {
        expect(result, label).toBeInstanceOf(ProgressOperation);
        expect(await (result as ProgressOperation<{ digest?: string }>), label).toMatchObject({ digest: "sha256:" + "a".repeat(64) });
        break;
      }
      case "bytes":
        expect(result, label).toBeInstanceOf(ByteStreamOperation);
        expect(new TextDecoder().decode(await (result as ByteStreamOperation).bytes()), label).toBe("raw bytes");
        break;
      case "hijack":
      case "upgrade":
        await expect(result as Promise<unknown>, label).rejects.toThrow();
        expect(connects(), label).toBe(1);
        continue;
      case "logs": {
        const logs = (await result) as AsyncIterable<{ stream: string; data: Uint8Array }>;
        const pieces: string[] = [];
        for await (const piece of logs) pieces.push(`${piece.stream}:${new TextDecoder().decode(piece.data)}`);
        expect(pieces, label).toEqual(["stdout:out\n"]);
        break;
      }
      case "events": {
        const items: unknown[] = [];
        for await (const item of (docker[group]![name]! as (o: unknown) => AsyncIterable<unknown>)({ since: 0, until: 2 }))
          items.push(item);
        expect(items, label).toEqual([expect.objectContaining({ kind: "event", action: "start" })]);
        void result;
        break;
      }
      case "json-stream": {
        const items: unknown[] = [];
        for await (const item of result as AsyncIterable<unknown>) items.push(item);
        expect(items, label).toEqual([{ n: 1 }, { n: 2 }]);
        break;
      }
      case "wait":
        expect(await result, label).toEqual({ StatusCode: 0, Error: null });
        break;
      default: {
        const value = await result;
        if (entry.method === "HEAD") expect((value as Headers).get("x-probe"), label).toBe(entry.op);
        else if (entry.response === "json") expect(value, label).toEqual({ answered: entry.op });
        else if (entry.response === "text") expect(value, label).toBe("OK");
        else expect(value, label).toBeUndefined();
      }
    }
    const own = requests.filter(
      (r) => r.url.pathname !== `/v${definition.apiVersion}/containers/p-id/json` || entry.op === "ContainerInspect",
    );
    expect(own.length, label).toBeGreaterThan(0);
    expectRequestShape(entry, own[own.length - 1]!, definition.apiVersion);
  }
}

/** The operations of a committed generated document. */
function documentOperations(version: string): { id: string; kind: string | undefined }[] {
  const doc = JSON.parse(readFileSync(new URL(`../../generated/v${version}/openapi.json`, import.meta.url), "utf8"));
  const out: { id: string; kind: string | undefined }[] = [];
  for (const item of Object.values(doc.paths) as Record<string, { operationId?: string; "x-berth-kind"?: string }>[]) {
    for (const op of Object.values(item))
      if (op && typeof op === "object" && op.operationId) out.push({ id: op.operationId, kind: op["x-berth-kind"] });
  }
  return out;
}

describe.each([
  ["1.41", definitionV141, 106],
  ["1.56", definitionV156, 108],
] as const)("the generated %s client", (version, definition, expected) => {
  it("has one method per operation of its document, and each operation's overlay kind", () => {
    const ops = documentOperations(version);
    const table = entriesOf(definition.methods);
    expect(ops).toHaveLength(expected);
    expect(table.map((e) => e.entry.op).sort()).toEqual(ops.map((o) => o.id).sort());
    for (const op of ops) expect(table.find((e) => e.entry.op === op.id)!.entry.kind, op.id).toBe(op.kind ?? "json");
    const kinds = new Set(table.map((e) => e.entry.kind));
    for (const kind of ["progress", "bytes", "hijack", "logs", "events", "wait", "json-stream"]) expect(kinds).toContain(kind);
  });

  it("sends every operation's request as its table says and returns its kind", async () => {
    await callEveryOperation(definition);
  });
});

describe("the naming rule", () => {
  it("groups by tag and strips the tag's word from the operation id", () => {
    expect([groupName("Container"), methodName("ContainerCreate", "Container")]).toEqual(["containers", "create"]);
    expect([groupName("System"), methodName("SystemDataUsage", "System")]).toEqual(["system", "dataUsage"]);
    expect(methodName("PutContainerArchive", "Container")).toBe("putArchive");
    expect(methodName("GetPluginPrivileges", "Plugin")).toBe("getPrivileges");
    expect([groupName("Exec"), methodName("ContainerExec", "Exec")]).toEqual(["exec", "create"]);
    expect([groupName("Session"), methodName("Session", "Session")]).toEqual(["session", "session"]);
    expect(optionName("signal", "query")).toBe("querySignal");
    expect(optionName("body", "query")).toBe("queryBody");
    expect(optionName("all", "query")).toBe("all");
  });
});

describe("calls", () => {
  const client = (answer: Answer) => {
    const recording = recordingTransport(answer);
    return { docker: createDocker(definitionV141, { transport: recording.transport, apiVersion: "1.41" }), ...recording };
  };

  it("encodes filter objects and registry credentials, and renames the reserved query names", async () => {
    const { docker, requests } = client((r) => (r.url.pathname.endsWith("/kill") ? new Response(null, { status: 204 }) : json([])));
    await docker.containers.list({ all: true, filters: { label: ["a=b"], status: "running" } });
    expect(requests[0]!.url.searchParams.get("all")).toBe("1");
    expect(JSON.parse(requests[0]!.url.searchParams.get("filters")!)).toEqual({ label: ["a=b"], status: ["running"] });
    await docker.containers.list({ filters: '{"id":["x"]}' });
    expect(requests[1]!.url.searchParams.get("filters")).toBe('{"id":["x"]}');
    await docker.containers.kill({ id: "c1", querySignal: "SIGTERM" });
    expect(requests[2]!.url.search).toBe("?signal=SIGTERM");
    const push = docker.images.push({ name: "reg/app", "X-Registry-Auth": { username: "u", password: "p" } });
    await push.catch(() => undefined);
    expect(JSON.parse(atob(requests[3]!.headers.get("x-registry-auth")!.replace(/-/g, "+").replace(/_/g, "/")))).toEqual({
      username: "u",
      password: "p",
    });
  });

  it("reads an import's image id from dockerd's status line and from podman's, which repeats it as the id (issue 15)", async () => {
    const id = `sha256:${"b".repeat(64)}`;
    for (const last of [{ status: id }, { status: id, progress: "", progressDetail: {}, id }]) {
      const { docker, requests } = client(() => lines({ status: "Downloading", progressDetail: { current: 1, total: 2 } }, last));
      const imported = await docker.images.create({ fromSrc: "-", repo: "127.0.0.1:5000/app", tag: "v1", body: new Uint8Array(512) });
      expect(imported.imageId).toBe(id);
      // the tag goes into repo, which podman 4.3 reads (it ignores `tag` on an import)
      expect(requests[0]!.url.search).toBe("?fromSrc=-&repo=127.0.0.1%3A5000%2Fapp%3Av1");
    }
    // a pull keeps its tag parameter; a repo naming its own tag is left alone
    const { docker, requests } = client(() => lines({ status: "Status: Downloaded newer image for app:v1" }));
    await docker.images.create({ fromImage: "app", tag: "v1" });
    await docker.images.create({ fromSrc: "-", repo: "app:v2", tag: "v3", body: new Uint8Array(512) });
    expect(requests.filter((r) => r.url.pathname.endsWith("/images/create")).map((r) => r.url.search)).toEqual([
      "?fromImage=app&tag=v1",
      "?fromSrc=-&repo=app%3Av2&tag=v3",
    ]);
  });

  it("tells a container without a health check from one whose check has not run, as podman reports them (issue 15)", async () => {
    let answer: object = {};
    const { docker } = client(() => json(answer));
    // podman 4.3: an empty health status, and no check configured
    answer = { State: { Running: true, Health: { Status: "", FailingStreak: 0, Log: null } }, Config: {} };
    await expect(docker.containers.waitHealthy({ id: "c1" })).rejects.toThrow(/has no health check/);
    answer = { State: { Running: true }, Config: {} };
    await expect(docker.containers.waitHealthy({ id: "c1" })).rejects.toThrow(/has no health check/);
    // a check configured but not run yet: waited for, until the timeout
    answer = { State: { Running: true, Health: { Status: "" } }, Config: { Healthcheck: { Test: ["CMD", "true"] } } };
    await expect(docker.containers.waitHealthy({ id: "c1", timeoutMs: 30, intervalMs: 10 })).rejects.toThrow(
      /did not become healthy within 30 ms \(health: \)/,
    );
    answer = { State: { Running: true, Health: { Status: "healthy" } }, Config: {} };
    await expect(docker.containers.waitHealthy({ id: "c1" })).resolves.toMatchObject({ State: { Health: { Status: "healthy" } } });
  });

  it("takes a pull's digest from the image's RepoDigests when the stream names none, as podman's does (issue 15)", async () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    let repoDigests: string[] = [];
    const podmanPull = () => {
      const answer = lines({ status: "Pulling fs layer", id: "abc" }, { status: "Download complete", id: "abc" });
      answer.headers.set("libpod-api-version", "4.3.1");
      return answer;
    };
    const { docker, requests } = client((r) =>
      r.url.pathname.endsWith("/json") ? json({ Id: digest("e"), RepoDigests: repoDigests }) : podmanPull(),
    );
    repoDigests = [`docker.io/library/app@${digest("c")}`, `docker.io/team/other@${digest("d")}`];
    expect((await docker.images.create({ fromImage: "app", tag: "v1" })).digest).toBe(digest("c"));
    expect(requests[1]!.url.pathname).toBe("/v1.41/images/app%3Av1/json");
    // two digests of the pulled repository: which one was pulled is unknown, so none is claimed
    repoDigests = [`docker.io/library/app@${digest("c")}`, `docker.io/library/app@${digest("a")}`];
    expect((await docker.images.create({ fromImage: "app:v1" })).digest).toBeUndefined();
    // by digest: that digest, without asking
    const before = requests.length;
    expect((await docker.images.create({ fromImage: `app@${digest("f")}` })).digest).toBe(digest("f"));
    expect(requests.length).toBe(before + 1);
    // all tags: no one image to ask about
    expect((await docker.images.create({ fromImage: "app" })).digest).toBeUndefined();
    expect(requests.length).toBe(before + 2);
    // dockerd's stream always names it: a stream without one from another daemon is left as it is
    const other = client(() => lines({ status: "Download complete", id: "abc" }));
    expect((await other.docker.images.create({ fromImage: "app", tag: "v1" })).digest).toBeUndefined();
    expect(other.requests).toHaveLength(1);
  });

  it("throws typed errors: daemon errors, unknown options, empty path parameters, wait errors", async () => {
    const { docker, requests } = client((r) =>
      r.url.pathname.endsWith("/wait")
        ? json({ StatusCode: 137, Error: { Message: "container was killed" } })
        : json({ message: "No such container: nope" }, 404),
    );
    await expect(docker.containers.inspect({ id: "nope" })).rejects.toBeInstanceOf(NoSuchContainerError);
    await expect(docker.networks.inspect({ id: "nope" })).rejects.toBeInstanceOf(DockerApiError);
    await expect(docker.containers.list({ limt: 1 } as never)).rejects.toThrow(InvalidOptionError);
    await expect(docker.containers.inspect({ id: "" })).rejects.toThrow(InvalidOptionError);
    await expect(docker.containers.inspect({} as never)).rejects.toThrow(InvalidOptionError);
    const sent = requests.length;
    const error = await docker.containers.wait({ id: "c1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerWaitError);
    expect(error).toMatchObject({ container: "c1", exitCode: 137, message: expect.stringContaining("container was killed") });
    expect(requests.length).toBe(sent + 1);
  });

  it("checks answers with the version's validators through the client's validation policy", async () => {
    const volume = { Name: "v", Driver: "local", Mountpoint: "/m", Scope: "local", Labels: null, Options: null, CreatedAt: "now" };
    const answer = (r: Recorded) => (r.url.pathname.endsWith("/volumes/v") ? json(volume) : json([{ Id: 7 }]));
    const tolerant = createDocker(definitionV141, { transport: recordingTransport(answer).transport, apiVersion: "1.41" });
    // Labels: null is what Docker 20.10 sends for a volume without labels: returned as is.
    expect(await tolerant.volumes.inspect({ name: "v" })).toEqual(volume);
    // A wrong type inside an array answer is reported with the element's index.
    const error = await tolerant.networks.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/NetworkList .*0\.Id/);
    const off = createDocker(definitionV141, { transport: recordingTransport(answer).transport, apiVersion: "1.41", validation: "off" });
    expect(await off.networks.list()).toEqual([{ Id: 7 }]);
    const strict = createDocker(definitionV141, {
      transport: recordingTransport(() => json({ ...volume, Labels: 5 })).transport,
      apiVersion: "1.41",
      validation: "strict",
    });
    await expect(strict.volumes.inspect({ name: "v" })).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("aborts with the call's signal", async () => {
    const { docker } = client(() => json([]));
    const controller = new AbortController();
    controller.abort();
    await expect(docker.containers.list({ signal: controller.signal })).rejects.toMatchObject({ name: "DockerAbortError" });
  });

  it("makes a tar of files for tar inputs and sends it as application/x-tar", async () => {
    const { docker, requests } = client(() => new Response(null, { status: 200 }));
    await docker.containers.putArchive({ id: "c1", path: "/tmp", body: { files: { "a.txt": "hello" } } });
    const sent = requests[0]!;
    expect(sent.headers.get("content-type")).toBe("application/x-tar");
    const tar = sent.body as Uint8Array;
    expect(new TextDecoder().decode(tar.subarray(0, 5))).toBe("a.txt");
    expect(new TextDecoder().decode(tar.subarray(512, 517))).toBe("hello");
    await expect(docker.containers.putArchive({ id: "c1", path: "/", body: { files: { "../x": "no" } } })).rejects.toThrow(
      InvalidOptionError,
    );
  });

  it("shares one low-level client and closes it with the generic one", async () => {
    const { docker, transport } = client(() => json({ ok: 1 }));
    const other = createDocker(definitionV156, { core: docker.core });
    expect(other.core).toBe(docker.core);
    expect(await other.apiVersion()).toBe("1.41");
    let closed = 0;
    transport.close = async () => void closed++;
    await docker[Symbol.asyncDispose]();
    expect(closed).toBe(1);
    expect(docker.core.signal.aborted).toBe(true);
  });
});
