/**
 * Response validation modes (src/validation.ts): tolerant by default (a `null` the document
 * does not allow, or an unlisted enum value, is reported and returned), strict, off; the same
 * policy for the raw client's `validation` and for DockerClient.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { validateVolume } from "../../generated/v1.41/index.js";
import { DockerClient, InvalidResponseError } from "../../src/client/index.js";
import { InvalidOptionError, createDockerApi, createResponseValidation, type ValidationReport } from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

const volume = { Name: "v", Driver: "local", Mountpoint: "/m", Labels: null, Scope: "local", Options: null };

describe("createResponseValidation", () => {
  it("tolerant: a null the document forbids and an unlisted enum value are reported and returned", () => {
    const reports: ValidationReport[] = [];
    const tolerant = createResponseValidation({ onValidationIssue: (report) => reports.push(report) });
    expect(tolerant.mode).toBe("tolerant");
    const odd = { ...volume, Driver: null, Scope: "cluster" };
    expect(tolerant.check(validateVolume, odd, "volume inspect")).toBe(odd);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.what).toBe("volume inspect");
    expect(reports[0]!.issues.map((issue) => [issue.path.join("."), issue.code])).toEqual([
      ["Driver", "invalid_type"],
      ["Scope", "invalid_value"],
    ]);
  });

  it("tolerant still refuses a wrong type or a missing required field", () => {
    const tolerant = createResponseValidation({ onValidationIssue: () => {} });
    expect(() => tolerant.check(validateVolume, { ...volume, Name: 5 }, "volume inspect")).toThrow(InvalidResponseError);
    const { Mountpoint: _dropped, ...missing } = volume;
    expect(() => tolerant.check(validateVolume, missing, "volume inspect")).toThrow(/Mountpoint/);
  });

  it("strict refuses every mismatch; off checks nothing; an unknown mode is a typed error", () => {
    const strict = createResponseValidation({ validation: "strict" });
    expect(() => strict.check(validateVolume, { ...volume, Driver: null }, "volume inspect")).toThrow(InvalidResponseError);
    expect(strict.check(validateVolume, volume, "volume inspect")).toBe(volume);
    const off = createResponseValidation({ validation: "off" });
    expect(off.check(validateVolume, "not a volume", "volume inspect")).toBe("not a volume");
    expect(() => createResponseValidation({ validation: "lenient" as "off" })).toThrow(InvalidOptionError);
  });

  it("the default report warns once per kind of answer", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const tolerant = createResponseValidation();
      tolerant.check(validateVolume, { ...volume, Driver: null }, "volume inspect");
      tolerant.check(validateVolume, { ...volume, Driver: null }, "volume inspect");
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain("volume inspect answer does not match the API document (Driver:");
    } finally {
      warn.mockRestore();
    }
  });
});

describe("the policy of a client", () => {
  const V = `${FAKE_ORIGIN}/v1.41`;
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it("createDockerApi carries it for every layer", () => {
    expect(createDockerApi<any>({ transport: fetchTransport(), apiVersion: "1.41" }).validation.mode).toBe("tolerant");
    expect(createDockerApi<any>({ transport: fetchTransport(), apiVersion: "1.41", validation: "off" }).validation.mode).toBe("off");
  });

  it("DockerClient is tolerant by default and strict when asked", async () => {
    // v1.10's Version schema says GoVersion is a string; a null there is tolerated by default.
    server.use(http.get(`${V}/version`, () => HttpResponse.json({ Version: "20.10.24", ApiVersion: "1.41", GoVersion: null })));
    const reports: ValidationReport[] = [];
    const tolerant = new DockerClient({ transport: fetchTransport(), apiVersion: "1.41", onValidationIssue: (r) => reports.push(r) });
    expect((await tolerant.version()).Version).toBe("20.10.24");
    expect(reports.map((r) => r.what)).toEqual(["version"]);
    const strict = new DockerClient({ transport: fetchTransport(), apiVersion: "1.41", validation: "strict" });
    await expect(strict.version()).rejects.toBeInstanceOf(InvalidResponseError);
  });
});
