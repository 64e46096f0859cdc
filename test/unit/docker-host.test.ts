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
    ["ssh://user:secret@host", "passwords"],
    ["ssh://host?x=1", "query"],
    ["ssh://host#frag", "fragments"],
    ["ssh://", "missing host"],
    ["ssh://-oProxyCommand=x", "must not start with '-'"],
    ["ssh://-x@host", "must not start with '-'"],
    ["ssh://host/run/$(id)/docker.sock", "remote shell"],
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

  it("parses ssh:// the docker CLI's way: user, host, port and the remote socket path", () => {
    expect(parseDockerHost("ssh://host")).toEqual({ kind: "ssh", host: "host", port: undefined, user: undefined, socketPath: undefined });
    expect(parseDockerHost("ssh://me@10.0.0.2:2222/run/user/1000/docker.sock")).toEqual({
      kind: "ssh",
      host: "10.0.0.2",
      port: 2222,
      user: "me",
      socketPath: "/run/user/1000/docker.sock",
    });
    expect(parseDockerHost("ssh://[::1]:22")).toMatchObject({ host: "::1", port: 22 });
    // TLS variables are ignored for ssh, as for unix sockets (ssh encrypts the connection itself).
    expect(parseDockerHost("ssh://h", { ca: "x" })).toMatchObject({ kind: "ssh", host: "h" });
    for (const text of ["ssh://host", "ssh://me@[::1]:2222/var/run/docker.sock", "ssh://a.b:1"]) {
      expect(formatEndpoint(parseDockerHost(text))).toBe(text);
    }
  });

  it("refuses TLS options on a plain http:// endpoint instead of silently ignoring them", () => {
    expect(() => parseDockerHost("http://h:1", { ca: "x" })).toThrow(InvalidEndpointError);
  });
});
