/**
 * The Go package's constants and helpers (signals, change kinds, ports, registry auth), and the
 * option checks that refuse a call before any request leaves.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  ChangeType,
  DockerClient,
  InvalidPortSpecError,
  InvalidSignalError,
  MissingIdError,
  Port,
  Signal,
  changeKindName,
  encodeRegistryAuth,
  formatChange,
  portMappingAPI,
  signalName,
  signalNumber,
} from "../../src/client/index.js";
import { splitImageRef, withRegistry } from "../../src/client/image-ref.js";
import { InvalidOptionError, MissingRepoError } from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

describe("Signal", () => {
  it("has the Go package's Linux values", () => {
    expect(Signal).toMatchObject({
      SIGHUP: 1,
      SIGINT: 2,
      SIGKILL: 9,
      SIGUSR1: 10,
      SIGTERM: 15,
      SIGCHLD: 17,
      SIGCLD: 17,
      SIGSTOP: 19,
      SIGWINCH: 28,
      SIGSYS: 31,
      SIGUNUSED: 31,
    });
    expect(Object.keys(Signal)).toHaveLength(35);
  });

  it("accepts numbers and names with or without SIG, in any case", () => {
    expect(signalNumber(9)).toBe(9);
    expect(signalNumber("SIGTERM")).toBe(15);
    expect(signalNumber("term")).toBe(15);
    expect(signalNumber(" HUP ")).toBe(1);
    expect(signalNumber("34")).toBe(34);
    expect(signalNumber(Signal.SIGUSR2)).toBe(12);
  });

  it("refuses what is not a signal", () => {
    for (const bad of [0, 65, 1.5, -1, "SIGNOPE", "", "9x", null, {}]) expect(() => signalNumber(bad as never)).toThrow(InvalidSignalError);
    expect(() => signalNumber("BOGUS")).toThrow(/invalid option signal/);
  });

  it("names numbers with the usual (non-alias) name", () => {
    expect(signalName(6)).toBe("SIGABRT");
    expect(signalName(17)).toBe("SIGCHLD");
    expect(signalName(29)).toBe("SIGIO");
    expect(signalName(31)).toBe("SIGSYS");
    expect(signalName(40)).toBeUndefined();
  });
});

describe("ChangeType", () => {
  it("has Go's values and readable names", () => {
    expect(ChangeType).toEqual({ Modify: 0, Add: 1, Delete: 2 });
    expect([0, 1, 2, 7].map(changeKindName)).toEqual(["Modify", "Add", "Delete", "Unknown"]);
    expect(formatChange({ Kind: ChangeType.Delete, Path: "/tmp/x" })).toBe("D /tmp/x");
    expect(formatChange({ Kind: ChangeType.Modify, Path: "/etc" })).toBe("C /etc");
    expectTypeOf<ChangeType>().toEqualTypeOf<0 | 1 | 2>();
  });

  // Issue 16 item 9, from go-dockerclient's TestChangeString: a kind it does not know prints no letter.
  it("regression: formatChange gives an unknown kind no letter, as Go's Change.String()", () => {
    expect(formatChange({ Kind: 7 as ChangeType, Path: "/p" })).toBe(" /p");
    expect(formatChange({ Kind: ChangeType.Add, Path: "/x" })).toBe("A /x");
  });
});

// Issue 16 item 9, from go-dockerclient's BuildImage tests (missing repo and nil input; remote without a name).
describe("buildImage parity with the Go client", () => {
  function recording() {
    const sent: string[] = [];
    const docker = new DockerClient({
      apiVersion: "1.41",
      transport: {
        endpoint: { kind: "unix", socketPath: "/nonexistent/berth.sock" },
        fetch: async (request) => {
          sent.push(request.url);
          return new Response('{"stream":"Successfully built 0123456789ab\\n"}\n', { status: 200 });
        },
        connect: () => Promise.reject(new Error("unused")),
        close: async () => undefined,
      },
    });
    return { sent, docker };
  }

  it("regression: neither a context nor a remote is MissingRepoError (Go ErrMissingRepo), still an InvalidOptionError", async () => {
    const { docker, sent } = recording();
    const error = await docker.buildImage({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingRepoError);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(sent).toEqual([]);
  });

  it("regression: a remote without a name is the image's name when it is a valid reference, as in Go; a URL with a scheme is not", async () => {
    const { docker, sent } = recording();
    for (const remote of ["testing/data/container.tar", "github.com/team/app", "https://example.com/ctx.tar"]) {
      for await (const _ of docker.buildImage({ remote })) break;
    }
    const tags = sent.map((url) => new URL(url).searchParams.get("t"));
    expect(tags).toEqual(["testing/data/container.tar", "github.com/team/app", null]);
  });
});

describe("Port", () => {
  it("parses and formats port specs like Go's Port", () => {
    expect(Port.parse("80/tcp")).toEqual({ port: 80, protocol: "tcp" });
    expect(Port.parse("53/UDP")).toEqual({ port: 53, protocol: "udp" });
    expect(Port.parse("8080")).toEqual({ port: 8080, protocol: "tcp" });
    expect(Port.format(443)).toBe("443/tcp");
    expect(Port.format(53, "udp")).toBe("53/udp");
    expect(Port.port("80/tcp")).toBe("80");
    expect(Port.proto("80")).toBe("tcp");
  });

  it("refuses invalid specs with InvalidPortSpecError", () => {
    for (const bad of ["", "http", "0/tcp", "65536/tcp", "80/", "80/t-c-p", "-1"])
      expect(() => Port.parse(bad)).toThrow(InvalidPortSpecError);
    expect(() => Port.format(0)).toThrow(InvalidPortSpecError);
    expect(() => Port.format(80, "t/p")).toThrow(InvalidPortSpecError);
  });

  it("lists bindings like Go's NetworkSettings.PortMappingAPI", () => {
    const settings = {
      Ports: {
        "80/tcp": [
          { HostIp: "0.0.0.0", HostPort: "49153" },
          { HostIp: "::", HostPort: "49154" },
        ],
        "53/udp": null,
        "443/tcp": [],
      },
    };
    expect(portMappingAPI(settings)).toEqual([
      { PrivatePort: 80, PublicPort: 49153, Type: "tcp", IP: "0.0.0.0" },
      { PrivatePort: 80, PublicPort: 49154, Type: "tcp", IP: "::" },
      { PrivatePort: 53, Type: "udp" },
      { PrivatePort: 443, Type: "tcp" },
    ]);
    expect(portMappingAPI(undefined)).toEqual([]);
    expect(portMappingAPI({ Ports: null })).toEqual([]);
  });
});

describe("registry auth", () => {
  it("encodes X-Registry-Auth as base64url JSON", () => {
    const auth = { username: "u", password: "?>?>?>", serveraddress: "r:5000" };
    const encoded = encodeRegistryAuth(auth);
    expect(encoded).not.toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(encoded, "base64url").toString())).toEqual(auth);
    expect(Buffer.from(encodeRegistryAuth({}), "base64url").toString()).toBe("{}");
    expect(JSON.parse(Buffer.from(encodeRegistryAuth({ username: "ü✓" }), "base64url").toString())).toEqual({ username: "ü✓" });
  });

  it("splits and prefixes image references", () => {
    expect(splitImageRef("registry:5000/team/app:1.0")).toEqual({ repository: "registry:5000/team/app", tag: "1.0" });
    expect(splitImageRef("registry:5000/team/app")).toEqual({ repository: "registry:5000/team/app" });
    expect(splitImageRef("app@sha256:abc")).toEqual({ repository: "app", digest: "sha256:abc" });
    expect(withRegistry("team/app", "r:5000")).toBe("r:5000/team/app");
    expect(withRegistry("r:5000/team/app", "r:5000")).toBe("r:5000/team/app");
    expect(withRegistry("team/app", "https://r:5000/")).toBe("r:5000/team/app");
  });
});

describe("option checks", () => {
  const server = setupServer();
  const requests: string[] = [];
  beforeAll(() => {
    server.events.on("request:start", ({ request }) => void requests.push(`${request.method} ${request.url}`));
    server.listen({ onUnhandledRequest: "error" });
  });
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it("refuses bad options before any request leaves", async () => {
    const docker = new DockerClient({ transport: fetchTransport(), apiVersion: "1.41" });
    await expect(docker.inspectContainer({ id: "" })).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.removeContainer({ id: "  " })).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.inspectImage({ name: "" })).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.exportContainer({ id: "" }).bytes()).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.copyFromContainer({ id: "c", resource: "" }).bytes()).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(docker.killContainer({ id: "c", killSignal: "SIGFOO" })).rejects.toBeInstanceOf(InvalidSignalError);
    await expect(docker.killContainer({ id: "c", killSignal: 99 })).rejects.toBeInstanceOf(InvalidSignalError);
    await expect(docker.createContainer({ config: { Image: "" } })).rejects.toMatchObject({ option: "config.Image" });
    await expect(docker.createContainer({ config: undefined as never })).rejects.toMatchObject({ option: "config" });
    await expect(docker.createContainer({ name: "bad name!", config: { Image: "x" } })).rejects.toMatchObject({ option: "name" });
    await expect(docker.createContainer({ config: { Image: "x", ExposedPorts: { "80/tpc/x": {} } } })).rejects.toBeInstanceOf(
      InvalidPortSpecError,
    );
    await expect(
      docker.createContainer({ config: { Image: "x" }, hostConfig: { PortBindings: { "80/tcp": [{ HostPort: "http" }] } } }),
    ).rejects.toBeInstanceOf(InvalidPortSpecError);
    await expect(docker.startContainer({ id: "c", hostConfig: { PortBindings: { nope: [] } } })).rejects.toBeInstanceOf(
      InvalidPortSpecError,
    );
    await expect(docker.stopContainer({ id: "c", timeout: -1 })).rejects.toMatchObject({ option: "timeout" });
    await expect(docker.listContainers({ limit: 1.5 })).rejects.toMatchObject({ option: "limit" });
    await expect(docker.pushImage({ name: "" })).rejects.toBeInstanceOf(MissingRepoError);
    await expect(docker.pushImage({ name: "app@sha256:abc" })).rejects.toMatchObject({ option: "name" });
    await expect(docker.pullImage({ repository: "" })).rejects.toBeInstanceOf(MissingRepoError);
    await expect(docker.tagImage({ name: "x", repo: "" })).rejects.toBeInstanceOf(MissingRepoError);
    await expect(docker.commitContainer({ container: "c", tag: "v1" })).rejects.toMatchObject({ option: "tag" });
    await expect(docker.commitContainer({ container: "" })).rejects.toBeInstanceOf(MissingIdError);
    await expect(docker.searchImages({ term: "" })).rejects.toMatchObject({ option: "term" });
    await expect(docker.resizeContainerTTY({ id: "c", height: -1, width: 80 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(docker.loadImage({ input: undefined as never })).rejects.toMatchObject({ option: "input" });
    await expect(docker.checkAuth({ auth: undefined as never })).rejects.toMatchObject({ option: "auth" });
    expect(requests).toEqual([]);
  });

  it("sends kill signals as numbers, whatever form they were given in", async () => {
    const signals: (string | null)[] = [];
    server.use(
      http.post(`${FAKE_ORIGIN}/v1.41/containers/:id/kill`, ({ request }) => {
        signals.push(new URL(request.url).searchParams.get("signal"));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const docker = new DockerClient({ transport: fetchTransport(), apiVersion: "1.41" });
    await docker.killContainer({ id: "c", killSignal: "SIGHUP" });
    await docker.killContainer({ id: "c", killSignal: "usr1" });
    await docker.killContainer({ id: "c", killSignal: Signal.SIGTERM });
    await docker.killContainer({ id: "c" });
    expect(signals).toEqual(["1", "10", "15", null]);
  });
});
