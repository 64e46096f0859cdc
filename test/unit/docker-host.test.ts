import { describe, expect, it } from "vitest";
import { InvalidEndpointError, formatEndpoint, parseDockerHost } from "../../src/index.js";

describe("parseDockerHost", () => {
  it("parses unix:// URLs and bare socket paths", () => {
    expect(parseDockerHost("unix:///var/run/docker.sock")).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("/tmp/x/docker.sock")).toEqual({ kind: "unix", socketPath: "/tmp/x/docker.sock" });
  });

  it("parses tcp:// with the plain default port, and TLS when material is given", () => {
    expect(parseDockerHost("tcp://10.0.0.1")).toEqual({ kind: "tcp", host: "10.0.0.1", port: 2375, tls: undefined, basePath: "" });
    const tls = parseDockerHost("tcp://docker.example:4000", { ca: "CA" });
    expect(tls).toMatchObject({ kind: "tcp", host: "docker.example", port: 4000, tls: { ca: "CA" } });
    expect(parseDockerHost("tcp://docker.example", {})).toMatchObject({ port: 2376, tls: {} });
  });

  it("parses http:// and https:// with base paths and IPv6 hosts", () => {
    expect(parseDockerHost("http://h:1234/base/")).toEqual({ kind: "tcp", host: "h", port: 1234, tls: undefined, basePath: "/base" });
    expect(parseDockerHost("https://[::1]:2376")).toMatchObject({ host: "::1", port: 2376, tls: {} });
    expect(formatEndpoint(parseDockerHost("https://[::1]:2376"))).toBe("https://[::1]:2376");
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["docker.sock", "expected"],
    ["unix://relative/path", "absolute"],
    ["npipe:////./pipe/docker_engine", "named pipes"],
    ["ssh://user@host", "ssh"],
    ["ftp://host", "unsupported scheme"],
    ["tcp://user:pw@host:2375", "credentials"],
    ["tcp://host:2375/?x=1", "query"],
    ["tcp://host:notaport", "malformed"],
    ["tcp://host\r\nX-Evil: 1", "control characters"],
  ])("rejects %j with a typed error", (input, reason) => {
    const error = (() => {
      try {
        parseDockerHost(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidEndpointError);
    expect((error as InvalidEndpointError).code).toBe("ERR_INVALID_ENDPOINT");
    expect((error as Error).message).toContain(reason);
  });

  it("refuses TLS options on a plain http:// endpoint instead of silently ignoring them", () => {
    expect(() => parseDockerHost("http://h:1", { ca: "x" })).toThrow(InvalidEndpointError);
  });
});
