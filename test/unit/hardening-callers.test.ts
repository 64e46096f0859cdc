/**
 * Issue 16 item 7: a plain JavaScript caller who gets a type wrong (no options object, `host:
 * 42`, a Symbol as a tag, a BigInt or a cycle in a config, a huge `queueSize`, a header name
 * with a space, an object whose `toString` throws, an AbortController for its signal) gets an
 * `InvalidOptionError` naming the option, before anything is sent; never a bare TypeError or
 * RangeError, and never a coerced value on the wire (`{}` as `[object Object]`, `true` as `1`).
 */
import { describe, expect, it } from "vitest";
import { DockerClient } from "../../src/client/index.js";
import { createDockerApi } from "../../src/api.js";
import { InvalidOptionError, describeValue, isDockerError } from "../../src/errors.js";
import { createEventMonitor } from "../../src/events/index.js";
import type { Transport } from "../../src/transport/types.js";

/** A transport that records what reaches it and answers nothing: every case must stop before it. */
function recordingTransport(sent: string[]): Transport {
  return {
    endpoint: { kind: "unix", socketPath: "/nonexistent/berth-test.sock" },
    fetch: (request) => {
      sent.push(`${request.method} ${request.url}`);
      return Promise.reject(new Error("nothing may be sent"));
    },
    connect: () => {
      sent.push("connect");
      return Promise.reject(new Error("nothing may be sent"));
    },
    close: async () => {},
  } as Transport;
}

const throwingToString = {
  toString() {
    throw new Error("toString exploded");
  },
};
const cyclic: Record<string, unknown> = { Image: "x" };
cyclic["self"] = cyclic;
const controller = new AbortController();

type Call = (docker: DockerClient) => unknown;

/** [what, call, the option the error must name] */
const CASES: [string, Call, string][] = [
  ["inspectContainer() without options", (d) => (d as any).inspectContainer(), "options"],
  ["startContainer(null)", (d) => (d as any).startContainer(null), "options"],
  ['removeContainer("abc") (a string, not an options object)', (d) => (d as any).removeContainer("abc"), "options"],
  ["listContainers(42)", (d) => (d as any).listContainers(42), "options"],
  ["an AbortController as the signal", (d) => d.inspectContainer({ id: "abc", signal: controller as any }), "signal"],
  ["a string as the signal", (d) => d.ping({ signal: "soon" as any }), "signal"],
  ["a Symbol as a tag", (d) => d.tagImage({ name: "busybox", repo: "r/x", tag: Symbol("t") as any }), "tag"],
  ["an object as a tag ([object Object] on the wire)", (d) => d.tagImage({ name: "busybox", repo: "r/x", tag: {} as any }), "tag"],
  ["true as a string option (1 on the wire)", (d) => d.pullImage({ repository: "busybox", tag: true as any }), "tag"],
  ["a string as a boolean", (d) => d.removeContainer({ id: "abc", force: "false" as any }), "force"],
  ["true as a count", (d) => d.stopContainer({ id: "abc", timeout: true as any }), "timeout"],
  ["a BigInt in a config", (d) => d.createContainer({ config: { Image: "x", Memory: 1n as any } }), "config.Memory"],
  ["a cycle in a config", (d) => d.createContainer({ config: cyclic as any }), "config.self"],
  ["a Map as a host config", (d) => d.createContainer({ config: { Image: "x" }, hostConfig: new Map() as any }), "hostConfig"],
  ["NaN in a config", (d) => d.createContainer({ config: { Image: "x", CpuShares: Number.NaN } }), "config.CpuShares"],
  ["a function in an auth", (d) => d.checkAuth({ auth: { username: "u", password: (() => "pw") as any } }), "auth.password"],
  ["a BigInt as a container name", (d) => d.createContainer({ name: 5n as any, config: { Image: "x" } }), "name"],
  ["an object whose toString throws, as an id", (d) => d.inspectContainer({ id: throwingToString as any }), "id"],
  ["an object whose toString throws, as a tag", (d) => d.pushImage({ name: "r/x", tag: throwingToString as any }), "tag"],
  ["a BigInt as the signal to kill with", (d) => d.killContainer({ id: "abc", killSignal: 9n as any }), "signal"],
  ["a non-function event listener", (d) => d.addEventListener("listener" as any), "listener"],
  ["a huge queueSize", (d) => d.events({ queueSize: 2 ** 40 }), "queueSize"],
  ["a fractional queueSize", (d) => d.onEvent(() => undefined, { queueSize: 1.5 }), "queueSize"],
  ["a header name with a space", (d) => d.api.GET("/_ping", { headers: { "X Bad": "1" } }), "headers"],
  ["a header value whose toString throws", (d) => d.api.GET("/_ping", { headers: { "X-Ok": throwingToString as any } }), "headers.X-Ok"],
  ["an object as a header value", (d) => d.api.GET("/_ping", { headers: { "X-Ok": {} as any } }), "headers.X-Ok"],
];

/** Runs `call`, sync throw or rejection alike, and returns what it failed with. */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result && typeof (result as PromiseLike<unknown>).then === "function") await result;
    else if (result && typeof (result as AsyncIterator<unknown>).next === "function") await (result as AsyncIterator<unknown>).next();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("plain JavaScript callers get InvalidOptionError, before anything is sent (issue 16 item 7)", () => {
  for (const [what, call, option] of CASES) {
    it(`regression: ${what}`, async () => {
      const sent: string[] = [];
      const docker = new DockerClient({ transport: recordingTransport(sent), apiVersion: "1.41" });
      const error = await failureOf(() => call(docker));
      expect(error, String(error)).toBeInstanceOf(InvalidOptionError);
      expect(isDockerError(error)).toBe(true);
      expect((error as InvalidOptionError).option).toBe(option);
      // The message itself could be built (no BigInt/Symbol/toString throw inside it).
      expect(typeof (error as Error).message).toBe("string");
      expect(sent).toEqual([]);
      await docker.close();
    });
  }

  it("a method that returns a promise rejects (no synchronous throw); one returning an operation throws at once", async () => {
    const docker = new DockerClient({ transport: recordingTransport([]), apiVersion: "1.41" });
    const pending = (docker as any).inspectContainer();
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBeInstanceOf(InvalidOptionError);
    expect(() => docker.exportContainer(7 as any)).toThrow(InvalidOptionError);
    expect(() => docker.pullImage({ repository: "x", auth: { password: 1n } as any })).toThrow(/auth.password/);
  });

  it.each<[string, unknown, string]>([
    ["host: 42", { host: 42 }, "host"],
    ["host: a Symbol", { host: Symbol("h") }, "host"],
    ["apiVersion: 1.41 (a number)", { apiVersion: 1.41 }, "apiVersion"],
    ["connectTimeoutMs as a string", { connectTimeoutMs: "5" }, "connectTimeoutMs"],
    ["tls as a string", { tls: "yes" }, "tls"],
    ["tls.ca as an object", { tls: { ca: {} } }, "tls.ca"],
    ["options as a string", "unix:///var/run/docker.sock", "options"],
  ])("regression: new DockerClient with %s", (_what, options, option) => {
    expect(() => new DockerClient(options as any)).toThrow(InvalidOptionError);
    try {
      new DockerClient(options as any);
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
    }
    // The low-level client checks the same.
    if (typeof options === "object") {
      expect(() => createDockerApi({ ...(options as object), preferredVersion: "1.41" } as any)).toThrow(InvalidOptionError);
    }
  });

  it("an event monitor refuses a huge or fractional queueSize with InvalidOptionError, not a RangeError", () => {
    const docker = new DockerClient({ transport: recordingTransport([]), apiVersion: "1.41" });
    expect(() => createEventMonitor(docker.docker, { queueSize: 2 ** 32 })).toThrow(InvalidOptionError);
    expect(() => createEventMonitor(docker.docker, { queueSize: 0.5 })).toThrow(InvalidOptionError);
  });

  it("describeValue never throws and never calls a value's own toString", () => {
    expect(describeValue(1n)).toBe("1n (a BigInt)");
    expect(describeValue(Symbol("s"))).toBe("a Symbol (s)");
    expect(describeValue(throwingToString)).toBe("an object");
    expect(describeValue(new AbortController())).toBe("an AbortController");
    expect(describeValue(Object.create(null))).toBe("an object");
    expect(describeValue("a\nb")).toBe('"a\\nb"');
    expect(
      describeValue(
        new Proxy(
          {},
          {
            getPrototypeOf: () => {
              throw new Error("trap");
            },
          },
        ),
      ),
    ).toBe("an object");
  });
});
