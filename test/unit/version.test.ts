import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DockerVersionError, InvalidOptionError, compareApiVersions, createDockerApi, pickApiVersion } from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

describe("pickApiVersion", () => {
  it("keeps the preferred version inside the daemon's range", () => {
    expect(pickApiVersion("1.24", { minVersion: "1.12", maxVersion: "1.41" })).toBe("1.24");
  });
  it("raises to the daemon's minimum when the preferred version is too old (v1.10 types on Docker 20.10)", () => {
    expect(pickApiVersion("1.10", { minVersion: "1.12", maxVersion: "1.41" })).toBe("1.12");
    expect(pickApiVersion("1.10", { minVersion: "1.24", maxVersion: "1.51" })).toBe("1.24");
  });
  it("lowers to the daemon's version when the daemon is older than the types", () => {
    expect(pickApiVersion("1.41", { minVersion: "1.12", maxVersion: "1.24" })).toBe("1.24");
  });
  it("uses the preferred version when the daemon does not report ApiVersion (v1.10 daemons)", () => {
    expect(pickApiVersion("1.10", {})).toBe("1.10");
  });
  it("treats a missing MinAPIVersion as an open lower bound", () => {
    expect(pickApiVersion("1.10", { maxVersion: "1.17" })).toBe("1.10");
  });
  it("compares numerically, not as strings", () => {
    expect(compareApiVersions("1.9", "1.10")).toBeLessThan(0);
    expect(compareApiVersions("1.41", "1.5")).toBeGreaterThan(0);
    expect(pickApiVersion("1.9", { minVersion: "1.10", maxVersion: "1.41" })).toBe("1.10");
  });
  it("rejects a daemon range that contradicts itself", () => {
    expect(() => pickApiVersion("1.10", { minVersion: "1.41", maxVersion: "1.12" })).toThrow(DockerVersionError);
  });
});

describe("negotiation against mocked daemons", () => {
  const seen: string[] = [];
  let versionAnswer: Record<string, unknown> = {};
  let versionProbes = 0;
  const server = setupServer(
    http.get(`${FAKE_ORIGIN}/version`, () => {
      versionProbes++;
      return HttpResponse.json(versionAnswer);
    }),
    http.get(`${FAKE_ORIGIN}/:version/_ping`, ({ request }) => {
      seen.push(new URL(request.url).pathname);
      return new HttpResponse("OK", { headers: { "Content-Type": "text/plain" } });
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    seen.length = 0;
    versionProbes = 0;
  });
  afterAll(() => server.close());

  const ping = async (options: { apiVersion?: string; preferredVersion?: string } = {}) => {
    const docker = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10", ...options });
    await docker.api.GET("/_ping", { parseAs: "text" });
    await docker.api.GET("/_ping", { parseAs: "text" });
    return docker;
  };

  it("a Docker 20.10-like daemon (1.12..1.41): v1.10 types speak 1.12, probed once", async () => {
    versionAnswer = { ApiVersion: "1.41", MinAPIVersion: "1.12", Version: "20.10.24" };
    const docker = await ping();
    expect(seen).toEqual(["/v1.12/_ping", "/v1.12/_ping"]);
    expect(versionProbes).toBe(1);
    expect(await docker.apiVersion()).toBe("1.12");
  });

  it("a Docker 25+-like daemon (1.24..1.44): v1.10 types speak 1.24", async () => {
    versionAnswer = { ApiVersion: "1.44", MinAPIVersion: "1.24", Version: "25.0.0" };
    await ping();
    expect(seen).toEqual(["/v1.24/_ping", "/v1.24/_ping"]);
  });

  it("an old v1.10 daemon that reports only Version: the preferred version", async () => {
    versionAnswer = { Version: "0.8.0", GitCommit: "abc", GoVersion: "go1.2" };
    await ping();
    expect(seen).toEqual(["/v1.10/_ping", "/v1.10/_ping"]);
  });

  it("an explicit apiVersion pins without probing", async () => {
    versionAnswer = { ApiVersion: "1.41", MinAPIVersion: "1.12" };
    await ping({ apiVersion: "1.30" });
    expect(versionProbes).toBe(0);
    expect(seen).toEqual(["/v1.30/_ping", "/v1.30/_ping"]);
  });

  it("concurrent first requests share one probe", async () => {
    versionAnswer = { ApiVersion: "1.41", MinAPIVersion: "1.12" };
    const docker = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10" });
    await Promise.all(Array.from({ length: 8 }, () => docker.api.GET("/_ping", { parseAs: "text" })));
    expect(versionProbes).toBe(1);
    expect(new Set(seen)).toEqual(new Set(["/v1.12/_ping"]));
  });

  it("a failed probe is not cached: the next request probes again", async () => {
    let fail = true;
    server.use(
      http.get(`${FAKE_ORIGIN}/version`, () => {
        versionProbes++;
        if (fail) return new HttpResponse("boom", { status: 500 });
        return HttpResponse.json({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
      }),
    );
    const docker = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10" });
    await expect(docker.api.GET("/_ping", { parseAs: "text" })).rejects.toMatchObject({ name: "DockerApiError", status: 500 });
    fail = false;
    await docker.api.GET("/_ping", { parseAs: "text" });
    expect(versionProbes).toBe(2);
    expect(seen).toEqual(["/v1.12/_ping"]);
  });

  it("apiVersion alone is enough (it is the preferred version too); neither is a typed error", async () => {
    versionAnswer = { ApiVersion: "1.41", MinAPIVersion: "1.12" };
    const docker = createDockerApi<any>({ transport: fetchTransport(), apiVersion: "1.41" });
    await docker.api.GET("/_ping", { parseAs: "text" });
    expect(seen).toEqual(["/v1.41/_ping"]);
    expect(versionProbes).toBe(0);
    expect(() => createDockerApi<any>({ transport: fetchTransport() })).toThrow(InvalidOptionError);
    expect(() => createDockerApi<any>({ transport: fetchTransport() })).toThrow(/preferredVersion: is required unless apiVersion/);
  });

  it("await using closes the client", async () => {
    let signal: AbortSignal;
    {
      await using docker = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.41" });
      signal = docker.signal;
      expect(signal.aborted).toBe(false);
    }
    expect(signal.aborted).toBe(true);
  });

  it("refuses a malformed explicit version before sending anything", () => {
    expect(() => createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.10", apiVersion: "v1.41" })).toThrow(
      DockerVersionError,
    );
  });
});
