/**
 * How the client shapes requests per API version (compat.ts, docs/api-versions.md), seen
 * through msw: start with a host configuration, copy vs. archive, the commit message
 * parameter, list filters, and the registry headers of push and pull.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DockerClient, HostConfigAtStartUnsupportedError } from "../../src/client/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

const server = setupServer();
let requests: { method: string; path: string; query: URLSearchParams; body: string; headers: Headers }[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  requests = [];
});
afterAll(() => server.close());

/** Records every request to the fake daemon, whose unversioned /version reports `range`. */
function daemon(range: { ApiVersion: string; MinAPIVersion?: string }) {
  server.use(
    http.all(`${FAKE_ORIGIN}/*`, async ({ request }) => {
      const url = new URL(request.url);
      requests.push({
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        body: await request.clone().text(),
        headers: request.headers,
      });
      if (url.pathname === "/version") return HttpResponse.json({ Version: "x", ...range });
      if (/\/containers\/[^/]+\/json$/.test(url.pathname))
        return HttpResponse.json({ Id: "c", HostConfig: { NetworkMode: "none", Dns: ["192.0.2.1"], Binds: null } });
      if (url.pathname.endsWith("/commit")) return HttpResponse.json({ Id: "img" }, { status: 201 });
      if (url.pathname.endsWith("/containers/json")) return HttpResponse.json([]);
      if (url.pathname.endsWith("/copy") || url.pathname.endsWith("/archive"))
        return new HttpResponse(new Uint8Array(1024), { headers: { "Content-Type": "application/x-tar" } });
      if (url.pathname.endsWith("/push") || url.pathname.endsWith("/images/create")) return HttpResponse.json({ status: "done" });
      return new HttpResponse(null, { status: 204 });
    }),
  );
}
const client = (apiVersion: string) => new DockerClient({ transport: fetchTransport(), apiVersion });
const calls = () => requests.map((r) => `${r.method} ${r.path}`);

describe("startContainer with a host configuration", () => {
  it("sends it in the start body below API 1.24, laid over the current host configuration", async () => {
    daemon({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
    await client("1.12").startContainer({ id: "c", hostConfig: { Dns: ["192.0.2.2"], Binds: ["/a:/b"] } });
    expect(calls()).toEqual(["GET /v1.12/containers/c/json", "POST /v1.12/containers/c/start"]);
    expect(JSON.parse(requests[1]!.body)).toEqual({ NetworkMode: "none", Dns: ["192.0.2.2"], Binds: ["/a:/b"] });
  });

  it("sends that one request at API 1.23 from 1.24 on, when the daemon still accepts 1.23", async () => {
    daemon({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
    await client("1.41").startContainer({ id: "c", hostConfig: { Dns: ["192.0.2.2"] } });
    expect(calls()).toEqual(["GET /version", "GET /v1.41/containers/c/json", "POST /v1.23/containers/c/start"]);
    expect(JSON.parse(requests[2]!.body)).toEqual({ NetworkMode: "none", Dns: ["192.0.2.2"], Binds: null });
    expect(requests[2]!.headers.get("content-type")).toBe("application/json");
  });

  it("refuses before starting when the daemon accepts nothing below 1.24 (Docker 25+)", async () => {
    daemon({ ApiVersion: "1.44", MinAPIVersion: "1.24" });
    await expect(client("1.41").startContainer({ id: "c", hostConfig: { Dns: ["192.0.2.2"] } })).rejects.toBeInstanceOf(
      HostConfigAtStartUnsupportedError,
    );
    expect(calls()).toEqual(["GET /version"]);
  });

  it("starts without a body when there is no host configuration, at every version", async () => {
    daemon({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
    await client("1.41").startContainer({ id: "c" });
    await client("1.41").startContainer({ id: "c", hostConfig: {} });
    await client("1.12").startContainer({ id: "c" });
    expect(calls()).toEqual(["POST /v1.41/containers/c/start", "POST /v1.41/containers/c/start", "POST /v1.12/containers/c/start"]);
    expect(requests.map((r) => r.body)).toEqual(["", "", ""]);
  });

  it("maps a 404 of the API 1.23 start to NoSuchContainerError", async () => {
    server.use(
      http.get(`${FAKE_ORIGIN}/version`, () => HttpResponse.json({ ApiVersion: "1.41", MinAPIVersion: "1.12" })),
      http.get(`${FAKE_ORIGIN}/v1.41/containers/:id/json`, () => HttpResponse.json({ Id: "c", HostConfig: {} })),
      http.post(`${FAKE_ORIGIN}/v1.23/containers/:id/start`, () => HttpResponse.json({ message: "No such container: c" }, { status: 404 })),
    );
    await expect(client("1.41").startContainer({ id: "c", hostConfig: { Dns: [] } })).rejects.toMatchObject({
      name: "NoSuchContainerError",
      id: "c",
    });
  });
});

describe("copyFromContainer", () => {
  it("uses the archive endpoint from API 1.20, without asking the daemon", async () => {
    daemon({ ApiVersion: "1.41" });
    await client("1.24").copyFromContainer({ id: "c", resource: "/etc/hosts" }).bytes();
    expect(calls()).toEqual(["GET /v1.24/containers/c/archive"]);
    expect(requests[0]!.query.get("path")).toBe("/etc/hosts");
  });

  it("uses the archive endpoint at a lower pinned version when the daemon has it", async () => {
    daemon({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
    await client("1.12").copyFromContainer({ id: "c", resource: "/etc/hosts" }).bytes();
    expect(calls()).toEqual(["GET /version", "GET /v1.12/containers/c/archive"]);
  });

  it("uses the copy endpoint on daemons older than API 1.20", async () => {
    daemon({ ApiVersion: "1.16" });
    await client("1.12").copyFromContainer({ id: "c", resource: "/etc/hosts" }).bytes();
    expect(calls()).toEqual(["GET /version", "POST /v1.12/containers/c/copy"]);
    expect(JSON.parse(requests[1]!.body)).toEqual({ Resource: "/etc/hosts" });
  });
});

describe("commitContainer", () => {
  it("sends the message as m up to API 1.11 and comment from 1.12, and run as the body", async () => {
    daemon({ ApiVersion: "1.41" });
    await client("1.11").commitContainer({
      container: "c",
      repository: "r",
      tag: "t",
      message: "msg",
      author: "me",
      run: { Cmd: ["true"] },
    });
    await client("1.12").commitContainer({ container: "c", message: "msg" });
    const [old, newer] = requests;
    expect(Object.fromEntries(old!.query)).toEqual({ container: "c", repo: "r", tag: "t", author: "me", m: "msg" });
    expect(JSON.parse(old!.body)).toEqual({ Cmd: ["true"] });
    expect(Object.fromEntries(newer!.query)).toEqual({ container: "c", comment: "msg" });
    expect(newer!.body).toBe("");
  });
});

describe("listContainers", () => {
  it("adds since/before filters from API 1.12, keeping the plain parameters", async () => {
    daemon({ ApiVersion: "1.41" });
    await client("1.10").listContainers({ all: true, since: "a" });
    await client("1.12").listContainers({ all: true, since: "a", before: "b", limit: 2, size: false });
    expect(Object.fromEntries(requests[0]!.query)).toEqual({ all: "1", since: "a" });
    expect(Object.fromEntries(requests[1]!.query)).toEqual({
      all: "1",
      since: "a",
      before: "b",
      limit: "2",
      size: "0",
      filters: JSON.stringify({ since: ["a"], before: ["b"] }),
    });
  });
});

describe("registry headers", () => {
  const decode = (header: string | null) => JSON.parse(Buffer.from(header ?? "", "base64url").toString()) as unknown;

  it("always sends X-Registry-Auth with a push, {} without credentials", async () => {
    daemon({ ApiVersion: "1.41" });
    await client("1.41").pushImage({ name: "r:5000/team/app:1.0" });
    await client("1.41").pushImage({ name: "team/app", registry: "r:5000", auth: { username: "u", password: "p" } });
    expect(calls()).toEqual(["POST /v1.41/images/r%3A5000%2Fteam%2Fapp/push", "POST /v1.41/images/r%3A5000%2Fteam%2Fapp/push"]);
    expect(decode(requests[0]!.headers.get("x-registry-auth"))).toEqual({});
    expect(Object.fromEntries(requests[0]!.query)).toEqual({ tag: "1.0" });
    expect(decode(requests[1]!.headers.get("x-registry-auth"))).toEqual({ username: "u", password: "p" });
    expect(Object.fromEntries(requests[1]!.query)).toEqual({});
  });

  it("sends X-Registry-Auth with a pull only with credentials, and pulls latest by default", async () => {
    daemon({ ApiVersion: "1.41" });
    const docker = client("1.41");
    expect(await docker.pullImage({ repository: "team/app" })).toEqual({ image: "team/app:latest" });
    await docker.pullImage({ repository: "team/app", allTags: true, auth: { username: "u" } });
    await docker.pullImage({ repository: "team/app@sha256:abc" });
    expect(requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { fromImage: "team/app", tag: "latest" },
      { fromImage: "team/app" },
      { fromImage: "team/app@sha256:abc" },
    ]);
    expect(requests[0]!.headers.has("x-registry-auth")).toBe(false);
    expect(decode(requests[1]!.headers.get("x-registry-auth"))).toEqual({ username: "u" });
  });

  it("takes a podman pull's digest from the image's RepoDigests: its stream names none (issue 15)", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    daemon({ ApiVersion: "1.41" }); // first: the handlers below take precedence
    server.use(
      http.post(`${FAKE_ORIGIN}/v1.41/images/create`, () =>
        HttpResponse.json({ status: "Download complete", id: "abc" }, { headers: { "Libpod-Api-Version": "4.3.1" } }),
      ),
      http.get(`${FAKE_ORIGIN}/v1.41/images/:name/json`, ({ params }) => {
        requests.push({
          method: "GET",
          path: `/images/${String(params["name"])}/json`,
          query: new URLSearchParams(),
          body: "",
          headers: new Headers(),
        });
        return HttpResponse.json({
          Id: "sha256:e",
          RepoDigests: [`docker.io/team/app@${digest}`, `docker.io/team/other@sha256:${"d".repeat(64)}`],
        });
      }),
    );
    const docker = client("1.41");
    expect(await docker.pullImage({ repository: "team/app", tag: "v1" })).toEqual({ image: "team/app:v1", digest });
    expect(requests.map((r) => r.path)).toContain("/images/team/app:v1/json");
    // all tags: no one image to ask about
    expect(await docker.pullImage({ repository: "team/app", allTags: true })).toEqual({ image: "team/app" });
  });
});
