/**
 * The CLI's command-line handling without a daemon: option splitting for `run`, usage errors
 * and exit codes, help, event filters, the create body `run` sends, and error reporting.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseCommand, UsageError, withTerminator } from "../../src/cli/args.js";
import { reportError, runCli } from "../../src/cli/cli.js";
import { parseEventFilters } from "../../src/cli/commands/logs.js";
import { containerConfig, environmentEntry, type RunSpec } from "../../src/cli/commands/run.js";
import type { CliIo } from "../../src/cli/context.js";
import { NoSuchContainerError, type DockerEvent } from "../../src/index.js";

const RUN_SPECS = {
  interactive: { type: "boolean", short: "i" },
  tty: { type: "boolean", short: "t" },
  name: { type: "string" },
  env: { type: "string", short: "e", multiple: true },
} as const;

/** In-memory streams for runCli. */
function memoryIo(env: Record<string, string> = {}): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return { stdin: new PassThrough(), stdout, stderr, env, out: () => out, err: () => err };
}

describe("withTerminator / parseCommand", () => {
  it("stops at the first positional, knowing which options take a value", () => {
    expect(withTerminator(["-it", "--name", "web", "busybox", "ls", "-la"], RUN_SPECS)).toEqual([
      "-it",
      "--name",
      "web",
      "--",
      "busybox",
      "ls",
      "-la",
    ]);
    expect(withTerminator(["--name=web", "-eA=1", "busybox", "-x"], RUN_SPECS)).toEqual(["--name=web", "-eA=1", "--", "busybox", "-x"]);
    expect(withTerminator(["-ie", "A=1", "img"], RUN_SPECS)).toEqual(["-ie", "A=1", "--", "img"]);
    expect(withTerminator(["img"], RUN_SPECS)).toEqual(["--", "img"]);
  });

  it("gives the container's arguments untouched", () => {
    const { values, positionals } = parseCommand(["-i", "-e", "A=1", "-e", "B=2", "busybox", "sh", "-c", "echo --name"], RUN_SPECS, {
      command: "run",
      stopAtPositional: true,
    });
    expect(values.interactive).toBe(true);
    expect(values.env).toEqual(["A=1", "B=2"]);
    expect(positionals).toEqual(["busybox", "sh", "-c", "echo --name"]);
  });

  it("throws UsageError for unknown options, missing values and argument counts", () => {
    expect(() => parseCommand(["--nope"], {}, { command: "ps" })).toThrow(UsageError);
    expect(() => parseCommand(["--name"], RUN_SPECS, { command: "run" })).toThrow(/argument missing/);
    expect(() => parseCommand([], {}, { command: "logs", min: 1 })).toThrow('"logs" requires at least 1 argument');
    expect(() => parseCommand(["a"], {}, { command: "ps", max: 0 })).toThrow('"ps" takes no arguments');
  });
});

describe("runCli without a daemon", () => {
  it("--version and --help exit 0; no command exits 2 with the usage on stderr", async () => {
    const io = memoryIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.out()).toBe("berth 0.1.0\n");
    const help = memoryIo();
    expect(await runCli(["--help"], help)).toBe(0);
    expect(help.out()).toMatch(/^Usage: berth \[OPTIONS\] COMMAND/);
    for (const command of [
      "run",
      "ps",
      "images",
      "logs",
      "events",
      "pull",
      "push",
      "build",
      "export",
      "cp",
      "info",
      "version",
      "generate",
    ]) {
      expect(help.out()).toMatch(new RegExp(`\\n  ${command} +\\S`));
    }
    const none = memoryIo();
    expect(await runCli([], none)).toBe(2);
    expect(none.err()).toMatch(/^Usage: berth/);
  });

  it("CMD --help and help CMD print the command's usage", async () => {
    const a = memoryIo();
    expect(await runCli(["logs", "--help"], a)).toBe(0);
    expect(a.out()).toMatch(/^Usage: berth logs \[OPTIONS\] CONTAINER/);
    const b = memoryIo();
    expect(await runCli(["help", "cp"], b)).toBe(0);
    expect(b.out()).toMatch(/^Usage: berth cp CONTAINER:SRC_PATH/);
  });

  it("usage errors exit 2 and print the command's usage", async () => {
    const io = memoryIo();
    expect(await runCli(["cp", "no-colon", "dest"], io)).toBe(2);
    expect(io.err()).toMatch(/^berth: the source must be CONTAINER:PATH\n\nUsage: berth cp /);
    const unknown = memoryIo();
    expect(await runCli(["-Z"], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/^berth: Unknown option '-Z'/);
  });

  it("an unreachable daemon is a typed connection error: its message, exit 1", async () => {
    const io = memoryIo({ DOCKER_HOST: "unix:///nonexistent/berth-test.sock", HOME: "/nonexistent" });
    expect(await runCli(["ps"], io)).toBe(1);
    expect(io.err()).toMatch(/^berth: .*\/nonexistent\/berth-test\.sock/);
    expect(io.err().split("\n")).toHaveLength(2);
  });

  it("-H beats DOCKER_HOST", async () => {
    const io = memoryIo({ DOCKER_HOST: "unix:///from-env.sock", HOME: "/nonexistent" });
    expect(await runCli(["-H", "unix:///from-flag.sock", "info"], io)).toBe(1);
    expect(io.err()).toContain("/from-flag.sock");
  });

  it("generate requires --spec", async () => {
    const io = memoryIo();
    expect(await runCli(["generate"], io)).toBe(2);
    expect(io.err()).toMatch(/^berth: --spec is required/);
  });
});

describe("reportError", () => {
  it("prints the typed error's message", async () => {
    const io = memoryIo();
    expect(await reportError(io, new NoSuchContainerError("web"))).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(io.err()).toBe("berth: No such container: web\n");
  });
});

describe("run's create body", () => {
  const base: RunSpec = { image: "busybox", cmd: [], interactive: false, tty: false, remove: false, detach: false, env: [] };

  it("attaches stdout and stderr, and stdin (open, closed after the first detach) with -i", () => {
    expect(containerConfig(base)).toEqual({
      config: {
        Image: "busybox",
        Tty: false,
        OpenStdin: false,
        StdinOnce: false,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
      },
    });
    const interactive = containerConfig({ ...base, interactive: true, tty: true, cmd: ["sh"] }).config;
    expect(interactive).toMatchObject({ Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, Cmd: ["sh"] });
  });

  it("maps --network none to NetworkMode and NetworkDisabled, and the other options to their fields", () => {
    const { config, hostConfig } = containerConfig({
      ...base,
      network: "none",
      stopTimeout: 1,
      env: ["A=1"],
      workdir: "/w",
      user: "nobody",
      entrypoint: "",
    });
    expect(config).toMatchObject({ NetworkDisabled: true, StopTimeout: 1, Env: ["A=1"], WorkingDir: "/w", User: "nobody", Entrypoint: [] });
    expect(hostConfig).toEqual({ NetworkMode: "none" });
  });

  it("-e KEY takes the value from berth's environment", () => {
    expect(environmentEntry("A=1=2", {})).toEqual(["A=1=2"]);
    expect(environmentEntry("HOME", { HOME: "/root" })).toEqual(["HOME=/root"]);
    expect(environmentEntry("UNSET", {})).toEqual([]);
  });
});

describe("events --filter", () => {
  const event = (over: Partial<DockerEvent> = {}): DockerEvent => ({
    kind: "event",
    type: "container",
    action: "start",
    actor: { id: "0123456789abcdef", attributes: { name: "web", image: "busybox", "com.example.role": "db" } },
    time: 0,
    timeNano: 0n,
    raw: {},
    ...over,
  });

  it("turns type/event/image into berth's EventFilters, repeated keys as alternatives", () => {
    const { filters } = parseEventFilters(["type=container", "event=start", "event=die", "image=busybox"]);
    expect(filters).toEqual({ type: ["container"], action: ["start", "die"], image: ["busybox"] });
  });

  it("matches container by name or id prefix, and labels by key or key=value", () => {
    expect(parseEventFilters(["container=web"]).matches(event())).toBe(true);
    expect(parseEventFilters(["container=01234567"]).matches(event())).toBe(true);
    expect(parseEventFilters(["container=other"]).matches(event())).toBe(false);
    expect(parseEventFilters(["container=web"]).matches(event({ type: "image" }))).toBe(false);
    expect(parseEventFilters(["label=com.example.role"]).matches(event())).toBe(true);
    expect(parseEventFilters(["label=com.example.role=db"]).matches(event())).toBe(true);
    expect(parseEventFilters(["label=com.example.role=web"]).matches(event())).toBe(false);
  });

  it("refuses unknown keys and missing values", () => {
    expect(() => parseEventFilters(["colour=red"])).toThrow(/unknown filter "colour"/);
    expect(() => parseEventFilters(["type"])).toThrow(UsageError);
    expect(() => parseEventFilters(["type="])).toThrow(/needs a value/);
  });
});
