/**
 * DockerClient answers, through msw: error statuses become typed errors, and bodies of
 * different API generations are normalized to one shape (or refused with InvalidResponseError).
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { DockerClient, InvalidResponseError, type Container, type Image } from "../../src/client/index.js";
import {
  DockerApiError,
  DockerProtocolError,
  NoSuchContainerError,
  NoSuchImageError,
  NoSuchRouteError,
  createDockerApi,
  isDockerError,
} from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

const V = `${FAKE_ORIGIN}/v1.41`;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = () => new DockerClient({ transport: fetchTransport(), apiVersion: "1.41" });
const text = (body: string, status: number) => new HttpResponse(body, { status, headers: { "Content-Type": "text/plain" } });

describe("error answers", () => {
  it("maps a 404 on a container to NoSuchContainerError, for text (v1.10) and JSON bodies", async () => {
    server.use(
      http.get(`${V}/containers/:id/json`, ({ params }) =>
        params["id"] === "old"
          ? text("No such container: old", 404)
          : HttpResponse.json({ message: `No such container: ${String(params["id"])}` }, { status: 404 }),
      ),
    );
    for (const id of ["old", "new"]) {
      const error = await client()
        .inspectContainer({ id })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSuchContainerError);
      expect(error).toMatchObject({ id, status: 404, daemonMessage: `No such container: ${id}`, code: "ERR_NO_SUCH_CONTAINER" });
    }
  });

  it("maps a 404 on an image to NoSuchImageError", async () => {
    server.use(http.get(`${V}/images/:name/json`, () => text("No such image: team/app:1", 404)));
    const error = await client()
      .inspectImage({ name: "team/app:1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchImageError);
    expect(error).toMatchObject({ image: "team/app:1", status: 404 });
  });

  it("maps a 404 of create (unknown image) to NoSuchImageError", async () => {
    server.use(http.post(`${V}/containers/create`, () => HttpResponse.json({ message: "No such image: nope:latest" }, { status: 404 })));
    await expect(client().createContainer({ config: { Image: "nope" } })).rejects.toMatchObject({
      name: "NoSuchImageError",
      image: "nope:latest",
    });
  });

  it("keeps the status and the daemon's message of a 500", async () => {
    server.use(
      http.post(`${V}/containers/:id/stop`, () => text("Cannot stop container x: driver failed", 500)),
      http.post(`${V}/containers/:id/kill`, () =>
        HttpResponse.json({ message: "Cannot kill container: x: it is paused" }, { status: 500 }),
      ),
    );
    const stop = await client()
      .stopContainer({ id: "x" })
      .catch((e: unknown) => e);
    expect(stop).toBeInstanceOf(DockerApiError);
    expect(stop).toMatchObject({ status: 500, daemonMessage: "Cannot stop container x: driver failed" });
    expect((stop as DockerApiError).request).toMatchObject({ method: "POST", path: "/v1.41/containers/x/stop" });
    await expect(client().killContainer({ id: "x" })).rejects.toMatchObject({
      status: 500,
      daemonMessage: "Cannot kill container: x: it is paused",
    });
  });

  it("refuses a body that is not JSON with DockerProtocolError", async () => {
    server.use(http.get(`${V}/info`, () => new HttpResponse("<html>proxy error</html>", { headers: { "Content-Type": "text/html" } })));
    const error = await client()
      .info()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(isDockerError(error)).toBe(true);
  });

  it("issue 15: a 404 of the router (no such endpoint) is NoSuchRouteError, not NoSuchContainerError", async () => {
    server.use(
      // podman 4.3 has no /containers/{id}/update: its router answers a plain "Not Found"
      http.post(`${V}/containers/:id/update`, () => text("Not Found\n", 404)),
      // dockerd's router: {"message":"page not found"}
      http.post(`${V}/containers/:id/nope`, () => HttpResponse.json({ message: "page not found" }, { status: 404 })),
      http.post(`${V}/containers/:id/pause`, () => text("404 page not found\n", 404)),
      http.post(`${V}/containers/:id/unpause`, () => HttpResponse.json({ message: "No such container: gone" }, { status: 404 })),
    );
    const api = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10", apiVersion: "1.41" });
    for (const route of ["update", "nope", "pause"]) {
      const error = await api.api.POST(`/containers/{id}/${route}`, { params: { path: { id: "c1" } } }).catch((e: unknown) => e);
      expect(error, route).toBeInstanceOf(NoSuchRouteError);
      expect(error, route).not.toBeInstanceOf(NoSuchContainerError);
      expect(error).toMatchObject({
        status: 404,
        code: "ERR_NO_SUCH_ROUTE",
        request: { method: "POST", path: `/v1.41/containers/c1/${route}` },
      });
      expect((error as Error).message).toContain(`no endpoint for POST /v1.41/containers/c1/${route}`);
    }
    await expect(api.api.POST("/containers/{id}/unpause", { params: { path: { id: "gone" } } })).rejects.toBeInstanceOf(
      NoSuchContainerError,
    );
  });

  it('issue 15: a 2xx whose body is only whitespace is no body (podman\'s tag: 201 text/plain "\\n"); other text still fails', async () => {
    server.use(
      http.post(`${V}/images/:name/tag`, () => text("\n", 201)),
      http.get(`${V}/version`, () => text("ok", 200)),
    );
    const api = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10", apiVersion: "1.41" });
    const tagged = await api.api.POST("/images/{name}/tag", { params: { path: { name: "a" }, query: { repo: "b" } } });
    expect(tagged.response.status).toBe(201);
    expect(tagged.data).toBeUndefined();
    await expect(client().tagImage({ name: "a", repo: "b" })).resolves.toBeUndefined();
    await expect(api.api.GET("/version", {})).rejects.toBeInstanceOf(DockerProtocolError);
    // a caller that asked for text gets the body as it came
    expect((await api.api.POST("/images/{name}/tag", { params: { path: { name: "a" } }, parseAs: "text" })).data).toBe("\n");
  });

  it("issue 15: a tag written into repo is sent as its own parameter; an import's tag goes into repo", async () => {
    const seen: string[] = [];
    server.use(
      http.post(
        `${V}/images/:name/tag`,
        ({ request }) => (seen.push(new URL(request.url).search), new HttpResponse(null, { status: 201 })),
      ),
      http.post(`${V}/images/create`, ({ request }) => {
        seen.push(new URL(request.url).search);
        return HttpResponse.json({ status: "sha256:" + "a".repeat(64) });
      }),
    );
    await client().tagImage({ name: "a", repo: "reg:5000/team/app:v2" });
    await client().tagImage({ name: "a", repo: "reg:5000/team/app" });
    await client().tagImage({ name: "a", repo: "app:v2", tag: "v3" });
    await client().importImage({ url: "http://127.0.0.1:1/x.tar", repository: "team/app", tag: "v1" });
    expect(seen.map((q) => decodeURIComponent(q))).toEqual([
      "?repo=reg:5000/team/app&tag=v2",
      "?repo=reg:5000/team/app",
      "?repo=app:v2&tag=v3",
      "?fromSrc=http://127.0.0.1:1/x.tar&repo=team/app:v1",
    ]);
  });

  it("refuses a body of the wrong shape with InvalidResponseError and the validators' issues", async () => {
    server.use(http.get(`${V}/images/:name/json`, () => HttpResponse.json({ Id: 42, Size: "big" })));
    const error = await client()
      .inspectImage({ name: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toBeInstanceOf(DockerProtocolError);
    const issues = (error as InvalidResponseError).issues.map((issue) => issue.path.join("."));
    expect(issues).toEqual(expect.arrayContaining(["id", "Size"]));
    expect((error as InvalidResponseError).request).toMatchObject({ method: "GET" });
  });

  it("refuses a list that is not a list", async () => {
    server.use(http.get(`${V}/containers/json`, () => HttpResponse.json({ containers: [] })));
    await expect(client().listContainers()).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

// The v1.10 documentation's image inspect example, and what a daemon at API 1.12+ sends for it.
const IMAGE_V110 = {
  id: "b750fe79269d2ec9a3c593ef05b4332b1d1a02a62b4accb2c21d589ff2f5f2dc",
  parent: "27cf784147099545",
  created: "2013-03-23T22:24:18.818426-07:00",
  container: "3d67245a8d72ecf13f33dffac9f79dcdf70f75acb84d308770391510e0c23ad0",
  container_config: { Hostname: "", User: "", Memory: 0, Cmd: ["/bin/bash"], Image: "base", Volumes: null, WorkingDir: "" },
  Size: 6824592,
};
const IMAGE_NEWER = {
  Id: IMAGE_V110.id,
  Parent: IMAGE_V110.parent,
  Created: IMAGE_V110.created,
  Container: IMAGE_V110.container,
  ContainerConfig: IMAGE_V110.container_config,
  Size: IMAGE_V110.Size,
  RepoTags: ["base:latest"],
  Os: "linux",
};

describe("normalization", () => {
  it("gives image inspect the same shape from a v1.10 and a newer daemon", async () => {
    server.use(http.get(`${V}/images/:name/json`, ({ params }) => HttpResponse.json(params["name"] === "old" ? IMAGE_V110 : IMAGE_NEWER)));
    const old = await client().inspectImage({ name: "old" });
    const newer = await client().inspectImage({ name: "new" });
    expect(old).toEqual(IMAGE_V110);
    const { RepoTags, Os, ...sameAsOld } = newer;
    expect(sameAsOld).toEqual(IMAGE_V110);
    // Fields of newer daemons are kept under their own names.
    expect({ RepoTags, Os }).toEqual({ RepoTags: ["base:latest"], Os: "linux" });
    expect(newer).not.toHaveProperty("Id");
    expect(newer).not.toHaveProperty("ContainerConfig");
  });

  it("gives container inspect one id and one IP spelling", async () => {
    const v110 = {
      ID: "abc",
      NetworkSettings: { IpAddress: "172.17.0.2", IpPrefixLen: 16, Gateway: "172.17.42.1", Ports: null },
      State: { Running: true, Pid: 3, ExitCode: 0, StartedAt: "2013-05-07T14:51:42Z", Ghost: false },
    };
    const newer = {
      Id: "abc",
      NetworkSettings: { IPAddress: "172.17.0.2", IPPrefixLen: 16, Gateway: "172.17.42.1", Ports: null, Networks: {} },
      State: { Running: true, Pid: 3, ExitCode: 0, StartedAt: "2013-05-07T14:51:42Z", Status: "running" },
    };
    server.use(http.get(`${V}/containers/:id/json`, ({ params }) => HttpResponse.json(params["id"] === "old" ? v110 : newer)));
    const a = await client().inspectContainer({ id: "old" });
    const b = await client().inspectContainer({ id: "new" });
    for (const c of [a, b]) {
      expect(c.Id).toBe("abc");
      expect(c).not.toHaveProperty("ID");
      expect(c.NetworkSettings).toMatchObject({ IPAddress: "172.17.0.2", IPPrefixLen: 16 });
      expect(c.NetworkSettings).not.toHaveProperty("IpAddress");
    }
    expect(b.State?.["Status"]).toBe("running");
  });

  it("refuses a container inspect with no id at all", async () => {
    server.use(http.get(`${V}/containers/:id/json`, () => HttpResponse.json({ Name: "/x" })));
    await expect(client().inspectContainer({ id: "x" })).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("turns null lists and <none>:<none> into empty lists", async () => {
    server.use(
      http.get(`${V}/images/json`, () =>
        HttpResponse.json([
          { Id: "a", RepoTags: ["<none>:<none>"], Created: 1, Size: 1, VirtualSize: 1 },
          { Id: "b", RepoTags: null, Created: 1, Size: 1 },
          { Id: "c", RepoTags: ["x:1"], Created: 1, Size: 1, RepoDigests: [] },
        ]),
      ),
      http.get(`${V}/containers/json`, () => HttpResponse.json([{ Id: "a", Ports: null, Names: null, Status: "Up" }])),
      http.get(`${V}/containers/:id/changes`, () => HttpResponse.json(null)),
      http.post(`${V}/containers/create`, () => HttpResponse.json({ Id: "new", Warnings: null }, { status: 201 })),
    );
    const docker = client();
    expect((await docker.listImages()).map((i) => i.RepoTags)).toEqual([[], [], ["x:1"]]);
    expect(await docker.listContainers()).toEqual([{ Id: "a", Ports: [], Names: [], Status: "Up" }]);
    expect(await docker.containerChanges({ id: "a" })).toEqual([]);
    expect(await docker.createContainer({ config: { Image: "x" } })).toEqual({ Id: "new", Warnings: [] });
  });

  it("issue 15: splits podman's unsplit top lines into dockerd's columns, the command keeping its spaces", async () => {
    server.use(
      http.get(`${V}/containers/:id/top`, ({ params }) =>
        HttpResponse.json(
          params["id"] === "podman"
            ? { Processes: [["1 root     sleep 30"], ["7 nobody   sh -c  echo a"]], Titles: ["PID   USER     COMMAND"] }
            : { Processes: [["1", "root", "sleep 30"]], Titles: ["PID", "USER", "COMMAND"] },
        ),
      ),
    );
    const expected = {
      Titles: ["PID", "USER", "COMMAND"],
      Processes: [
        ["1", "root", "sleep 30"],
        ["7", "nobody", "sh -c  echo a"],
      ],
    };
    expect(await client().topContainer({ id: "podman" })).toEqual(expected);
    expect(await client().topContainer({ id: "docker" })).toEqual({ Titles: expected.Titles, Processes: [expected.Processes[0]] });
  });

  it("issue 15: gives podman's bare hex ids of commit and history the sha256: prefix dockerd uses", async () => {
    const hex = "c".repeat(64);
    server.use(
      http.post(`${V}/commit`, () => HttpResponse.json({ Id: hex })),
      http.get(`${V}/images/:name/history`, () =>
        HttpResponse.json([
          { Id: hex, Created: 1, CreatedBy: "x", Tags: null, Size: 0, Comment: "" },
          { Id: "<missing>", Created: 1, CreatedBy: "y", Tags: null, Size: 0, Comment: "" },
        ]),
      ),
    );
    expect((await client().commitContainer({ container: "c" })).Id).toBe(`sha256:${hex}`);
    expect((await client().imageHistory({ name: "i" })).map((entry) => entry.Id)).toEqual([`sha256:${hex}`, "<missing>"]);
  });

  it("renames the search key is_automated to the v1.10 is_trusted", async () => {
    server.use(
      http.get(`${V}/images/search`, () =>
        HttpResponse.json([
          { name: "a", is_automated: true, star_count: 1 },
          { name: "b", is_trusted: false },
        ]),
      ),
    );
    expect(await client().searchImages({ term: "x" })).toEqual([
      { name: "a", is_trusted: true, star_count: 1 },
      { name: "b", is_trusted: false },
    ]);
  });

  it("reads podman's search answer (libpod's keys) in Docker's (issue 15)", async () => {
    server.use(
      http.get(`${V}/images/search`, () =>
        HttpResponse.json([
          { Index: "127.0.0.1:5057", Name: "127.0.0.1:5057/team/app", Description: "", Stars: 0, Official: "", Automated: "", Tag: "" },
          {
            Index: "docker.io",
            Name: "docker.io/library/busybox",
            Description: "Busybox base image.",
            Stars: 3,
            Official: "[OK]",
            Automated: "",
            Tag: "",
          },
        ]),
      ),
    );
    expect(await client().searchImages({ term: "x" })).toEqual([
      {
        Index: "127.0.0.1:5057",
        Tag: "",
        name: "127.0.0.1:5057/team/app",
        description: "",
        star_count: 0,
        is_official: false,
        is_trusted: false,
      },
      {
        Index: "docker.io",
        Tag: "",
        name: "docker.io/library/busybox",
        description: "Busybox base image.",
        star_count: 3,
        is_official: true,
        is_trusted: false,
      },
    ]);
  });

  it("reads the engine-era 0/1 booleans of info as booleans", async () => {
    server.use(
      http.get(`${V}/info`, () =>
        HttpResponse.json({ Containers: 2, Images: 3, Debug: 0, MemoryLimit: 1, SwapLimit: 0, IPv4Forwarding: 1, NFd: 11 }),
      ),
    );
    expect(await client().info()).toEqual({
      Containers: 2,
      Images: 3,
      Debug: false,
      MemoryLimit: true,
      SwapLimit: false,
      IPv4Forwarding: true,
      NFd: 11,
    });
  });

  it("accepts an auth answer with and without a body", async () => {
    let body = true;
    server.use(
      http.post(`${V}/auth`, () =>
        body ? HttpResponse.json({ Status: "Login Succeeded", IdentityToken: "" }) : new HttpResponse(null, { status: 204 }),
      ),
    );
    expect(await client().checkAuth({ auth: { username: "u", password: "p" } })).toEqual({ Status: "Login Succeeded", IdentityToken: "" });
    body = false;
    expect(await client().checkAuth({ auth: { username: "u", password: "p" } })).toEqual({});
  });

  it("types the normalized shapes", () => {
    expectTypeOf<Image["id"]>().toEqualTypeOf<string>();
    expectTypeOf<Container["Id"]>().toEqualTypeOf<string>();
    expectTypeOf<DockerClient["inspectImage"]>().returns.resolves.toEqualTypeOf<Image>();
    expectTypeOf<Awaited<ReturnType<DockerClient["listImages"]>>[number]["RepoTags"]>().toEqualTypeOf<string[]>();
    expectTypeOf<Awaited<ReturnType<DockerClient["waitContainer"]>>>().toEqualTypeOf<number>();
  });
});
