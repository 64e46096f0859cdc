/**
 * Versions told, not guessed: a call the negotiated version lacks fails before sending
 * (src/version-gate.ts, from the upstream documents), and a client typed for a newer version
 * than the daemon's either negotiates down (default) or fails with ApiVersionTooNewError.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { computeSince } from "../../scripts/generate/since.mjs";
import {
  API_SINCE,
  ApiVersionTooNewError,
  DockerVersionError,
  InvalidOptionError,
  UnsupportedInApiVersionError,
  createDockerApi,
  unsupportedCall,
} from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

const sent: string[] = [];
let probes = 0;
const server = setupServer(
  http.get(`${FAKE_ORIGIN}/version`, () => {
    probes++;
    return HttpResponse.json({ ApiVersion: "1.41", MinAPIVersion: "1.12" });
  }),
  http.all(`${FAKE_ORIGIN}/:version/*`, ({ request }) => {
    const url = new URL(request.url);
    sent.push(`${request.method} ${url.pathname}${url.search}`);
    return HttpResponse.json({});
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  sent.length = 0;
  probes = 0;
});
afterAll(() => server.close());

describe("the since table", () => {
  it("is what the vendored documents say (and is current)", () => {
    expect(computeSince()).toEqual(API_SINCE);
    expect(API_SINCE.operations["PUT /volumes/{name}"]).toBe("1.42");
    expect(API_SINCE.parameters["GET /system/df"]).toEqual({ type: "1.42", verbose: "1.52" });
    // Present in the oldest document: not listed (it may be older still).
    expect(API_SINCE.operations["GET /containers/json"]).toBeUndefined();
  });

  it("unsupportedCall names the operation or parameter and both versions", () => {
    const error = unsupportedCall("put", "/volumes/{name}", undefined, "1.41");
    expect(error).toBeInstanceOf(UnsupportedInApiVersionError);
    expect(error).toBeInstanceOf(DockerVersionError);
    expect(error).toMatchObject({
      operation: "PUT /volumes/{name}",
      since: "1.42",
      apiVersion: "1.41",
      code: "ERR_UNSUPPORTED_IN_API_VERSION",
    });
    expect(error?.message).toBe(
      "PUT /volumes/{name} needs API 1.42 or later, but this client speaks API 1.41 with the daemon (pass versionCheck: false to send it anyway)",
    );
    expect(unsupportedCall("GET", "/system/df", { verbose: true }, "1.41")?.parameter).toBe("verbose");
    expect(unsupportedCall("GET", "/system/df", { verbose: undefined }, "1.41")).toBeUndefined();
    expect(unsupportedCall("GET", "/system/df", { verbose: true }, "1.52")).toBeUndefined();
  });
});

describe("a client", () => {
  it("refuses a call its negotiated version lacks before sending it", async () => {
    const docker = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.56" });
    await expect(docker.api.PUT("/volumes/{name}", { params: { path: { name: "v" } }, body: {} })).rejects.toBeInstanceOf(
      UnsupportedInApiVersionError,
    );
    await expect(docker.api.GET("/system/df", { params: { query: { verbose: true } } })).rejects.toMatchObject({
      parameter: "verbose",
      since: "1.52",
      apiVersion: "1.41",
    });
    await docker.api.GET("/system/df", {});
    expect(sent).toEqual(["GET /v1.41/system/df"]);
  });

  it("versionCheck: false sends it anyway", async () => {
    const docker = createDockerApi<any>({ transport: fetchTransport(), apiVersion: "1.41", versionCheck: false });
    await docker.api.PUT("/volumes/{name}", { params: { path: { name: "v" } }, body: {} });
    expect(sent).toEqual(["PUT /v1.41/volumes/v"]);
  });

  it("typed for a newer version: negotiates down by default, or fails every call naming both versions", async () => {
    const negotiate = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.56" });
    expect(await negotiate.apiVersion()).toBe("1.41");
    const strict = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.56", newerThanDaemon: "error" });
    for (let i = 0; i < 2; i++) {
      const error = await strict.api.GET("/_ping", { parseAs: "text" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiVersionTooNewError);
      expect(error).toMatchObject({ preferredVersion: "1.56", daemonVersion: "1.41", code: "ERR_API_VERSION_TOO_NEW" });
      expect((error as Error).message).toContain("typed for API 1.56, but the daemon speaks at most API 1.41");
    }
    expect(probes).toBe(2); // one each client
    expect(sent).toEqual([]);
    // Within the daemon's range, "error" changes nothing.
    const fits = createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.40", newerThanDaemon: "error" });
    expect(await fits.apiVersion()).toBe("1.40");
    expect(() =>
      createDockerApi<any>({ transport: fetchTransport(), preferredVersion: "1.41", newerThanDaemon: "warn" as "error" }),
    ).toThrow(InvalidOptionError);
  });
});
