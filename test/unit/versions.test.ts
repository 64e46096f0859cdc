/**
 * The v1.41 client factory and the version-independent helpers, with an injected transport
 * that records requests and answers `/version` like a daemon of a given range.
 */
import { describe, expect, it } from "vitest";
import type { Transport } from "../../src/index.js";
import { encodeFilters, strictApi } from "../../src/versions/index.js";
import { API_VERSION_V141, createDockerApiV141 } from "../../src/versions/v1.41.js";

function recordingTransport(range: { ApiVersion: string; MinAPIVersion: string }) {
  const urls: string[] = [];
  const transport: Transport = {
    endpoint: { kind: "unix", socketPath: "/fake.sock" },
    fetch: async (request) => {
      urls.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      const body = new URL(request.url).pathname === "/version" ? { Version: "x", ...range } : [];
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    },
    connect: () => Promise.reject(new Error("no raw connections here")),
    close: async () => {},
  };
  return { transport, urls };
}

describe("createDockerApiV141", () => {
  it("aims for 1.41 and prefixes it", async () => {
    const { transport, urls } = recordingTransport({ ApiVersion: "1.51", MinAPIVersion: "1.24" });
    const docker = createDockerApiV141({ transport });
    await docker.api.GET("/containers/json", { params: { query: { all: true, filters: encodeFilters({ name: ["web"] }) } } });
    expect(API_VERSION_V141).toBe("1.41");
    expect(await docker.apiVersion()).toBe("1.41");
    expect(urls).toEqual(["GET /version", `GET /v1.41/containers/json?all=1&filters=${encodeURIComponent('{"name":["web"]}')}`]);
  });

  it("clamps to an older daemon's version, and a pinned version skips the probe", async () => {
    const older = recordingTransport({ ApiVersion: "1.40", MinAPIVersion: "1.12" });
    expect(await createDockerApiV141({ transport: older.transport }).apiVersion()).toBe("1.40");
    const pinned = recordingTransport({ ApiVersion: "1.51", MinAPIVersion: "1.24" });
    const docker = createDockerApiV141({ transport: pinned.transport, apiVersion: "1.43" });
    await docker.api.GET("/_ping", { parseAs: "text" });
    expect(pinned.urls).toEqual(["GET /v1.43/_ping"]);
  });

  it("strictApi is the same client object, typed strictly", () => {
    const docker = createDockerApiV141({ transport: recordingTransport({ ApiVersion: "1.41", MinAPIVersion: "1.12" }).transport });
    expect(strictApi(docker)).toBe(docker.api);
  });
});

describe("encodeFilters", () => {
  it("writes Docker's map[string][]string, a lone string as a list, dropping empty entries", () => {
    expect(encodeFilters({ name: ["a", "b"], label: "tier=front", status: undefined, id: [] })).toBe(
      '{"name":["a","b"],"label":["tier=front"]}',
    );
    expect(encodeFilters({})).toBe("{}");
  });
});
