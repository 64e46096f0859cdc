/**
 * Issue 16 items 1, 3, 7, 8 on Node (via tsx), Bun and Deno, where the engines differ: how an
 * error's `stack` is kept and rendered (V8 vs JavaScriptCore), each runtime's `Response` and
 * `AbortSignal`, and its own inspect. No daemon: an in-process transport answers.
 */
import { inspect } from "node:util";
import { readJsonStream } from "../../src/codecs/json-stream.js";
import { DockerClient, InvalidOptionError, encodeRegistryAuth, isDockerError, type Transport } from "../../src/index.js";
import { assert, assertEqual, rejects, run, test } from "./harness.js";

const PASSWORD = "rt-s3cr3t/P+w";

/** A transport answering every request with `answer()`, recording what was sent. */
function transport(sent: string[], answer: () => Response): Transport {
  return {
    endpoint: { kind: "unix", socketPath: "/nonexistent/berth-runtime.sock" },
    fetch: async (request) => {
      sent.push(`${request.method} ${request.url}`);
      return answer();
    },
    connect: () => Promise.reject(new Error("unused")),
    close: async () => undefined,
  } as Transport;
}

/** Every rendering this runtime has for an error. */
function renderings(error: unknown): string[] {
  const g = globalThis as { Deno?: { inspect(v: unknown): string }; Bun?: { inspect(v: unknown): string } };
  const e = error as Error & { daemonMessage?: string };
  return [
    e.message,
    String(e.stack),
    String(e),
    JSON.stringify(e),
    String(e.daemonMessage),
    inspect(e, { depth: 8 }),
    g.Deno ? g.Deno.inspect(e) : "",
    g.Bun ? g.Bun.inspect(e) : "",
  ];
}

test("wrong types from plain JavaScript are InvalidOptionError, nothing sent", async () => {
  const sent: string[] = [];
  const docker = new DockerClient({ transport: transport(sent, () => new Response("{}")), apiVersion: "1.41" });
  const cases: Array<[() => unknown, string]> = [
    [() => (docker as any).inspectContainer(), "options"],
    [() => docker.inspectContainer({ id: "x", signal: new AbortController() as any }), "signal"],
    [() => docker.tagImage({ name: "x", repo: "r", tag: Symbol("t") as any }), "tag"],
    [() => docker.createContainer({ config: { Image: "x", Memory: 1n as any } }), "config.Memory"],
    [() => docker.pullImage({ repository: "a:b", tag: "t" }), "tag"],
    [() => docker.inspectContainer({ id: "a\nb" }), "id"],
  ];
  for (const [call, option] of cases) {
    const error = await rejects(Promise.resolve().then(call));
    assert(error instanceof InvalidOptionError, `InvalidOptionError for ${option}, got ${String(error)}`);
    assertEqual((error as InvalidOptionError).option, option, "the option named");
  }
  let thrown: unknown;
  try {
    new DockerClient({ host: 42 as any });
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof InvalidOptionError, `host: 42 is InvalidOptionError, got ${String(thrown)}`);
  assertEqual(sent, [], "nothing sent");
  await docker.close();
});

test("a password echoed by the daemon is in no rendering of the error (message, stack, inspect)", async () => {
  const auth = { username: "berth", password: PASSWORD };
  const header = encodeRegistryAuth(auth);
  const docker = new DockerClient({
    transport: transport([], () => Response.json({ message: `bad auth ${header} for ${PASSWORD}` }, { status: 500 })),
    apiVersion: "1.41",
  });
  const error = await rejects(docker.pullImage({ repository: "r.example/app", tag: "1", auth }).then(() => undefined));
  assert(isDockerError(error), `a berth error, got ${String(error)}`);
  for (const text of renderings(error)) {
    assert(!text.includes(PASSWORD) && !text.includes(header), `no secret in ${JSON.stringify(text.slice(0, 300))}`);
  }
  assert((error as Error).message.includes("***"), "the redaction shows");
  await docker.close();
});

test("control characters from the daemon are escaped in the message", async () => {
  const docker = new DockerClient({
    transport: transport([], () => Response.json({ message: "no\r\nInjected: 1\u001b[2J" }, { status: 500 })),
    apiVersion: "1.41",
  });
  const error = (await rejects(docker.inspectContainer({ id: "abc" }))) as Error;
  assert(!/[\r\n\u001b]/.test(error.message), `escaped: ${JSON.stringify(error.message)}`);
  assert(error.message.includes("no\\r\\nInjected: 1\\x1b[2J"), `kept readable: ${JSON.stringify(error.message)}`);
  await docker.close();
});

test("a JSON stream resynchronises after a cut-off value: one error, every later event", async () => {
  const text = `{"a":\n${Array.from({ length: 50 }, (_, n) => `{"status":"start","id":"c${n}","time":${n}}\n`).join("")}`;
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.subarray(at, at + 7));
      controller.close();
    },
  });
  let errors = 0;
  const ids: string[] = [];
  for await (const item of readJsonStream(body)) {
    if (item.error) errors++;
    else ids.push((item.value as { id: string }).id);
  }
  assertEqual(errors, 1, "one error item");
  assertEqual(ids.length, 50, "every later event");
});

await run("hardening");
