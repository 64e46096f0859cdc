/**
 * `berth run`: create a container, attach to it, start it, wait for it, and exit with its
 * exit code, as `docker run` does.
 *
 * The order matters: the attach is established before the start, so no early output is lost;
 * the wait is sent after the start, because daemons answer a wait on a created container at
 * once when the request's API version is below 1.30 (the "not-running" condition). With `-i`
 * the CLI's stdin is copied to the container and its end half-closes the connection, so the
 * container reads EOF while its output keeps flowing. With `-t` on a terminal, stdin is put in
 * raw mode (keys reach the container as typed, Ctrl-C included) and the container's TTY is
 * resized to the terminal at start and on every SIGWINCH. Without `-t`, SIGINT and SIGTERM are
 * forwarded to the container.
 */
import process from "node:process";
import { parseCommand, splitKeyValue, UsageError } from "../args.js";
import { writeOut, type CliContext, type OutputStream } from "../context.js";
import { isDockerError, type AttachSession, type DockerClient } from "../../index.js";
import { pullWithProgress } from "./registry.js";
import type { Command } from "./types.js";

const USAGE = `Usage: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]

Create and run a container; exits with the container's exit code. Options must come
before IMAGE: everything after it is the container's command.

Options:
  -i, --interactive          Keep stdin open and copy berth's stdin to the container
  -t, --tty                  Allocate a pseudo-TTY (raw mode and resizing on a terminal)
      --rm                   Remove the container when it exits
  -d, --detach               Start it in the background and print its id
      --name NAME            Name the container
  -e, --env KEY=VALUE        Set an environment variable (repeatable)
  -w, --workdir DIR          Working directory inside the container
  -u, --user USER            User to run as
      --entrypoint CMD       Override the image's entrypoint
      --network MODE         Network mode: none, host, or a network name
                             ("none" also sets NetworkDisabled)
      --stop-timeout SECONDS Seconds to wait after SIGTERM before SIGKILL on stop
`;

export const run: Command = {
  name: "run",
  summary: "Create and run a container",
  usage: USAGE,
  async run(context, args) {
    const { values, positionals } = parseCommand(
      args,
      {
        interactive: { type: "boolean", short: "i" },
        tty: { type: "boolean", short: "t" },
        rm: { type: "boolean" },
        detach: { type: "boolean", short: "d" },
        name: { type: "string" },
        env: { type: "string", short: "e", multiple: true },
        workdir: { type: "string", short: "w" },
        user: { type: "string", short: "u" },
        entrypoint: { type: "string" },
        network: { type: "string" },
        "stop-timeout": { type: "string" },
      },
      { command: "run", min: 1, stopAtPositional: true },
    );
    const [image, ...cmd] = positionals as [string, ...string[]];
    if (values.detach && values.rm)
      throw new UsageError("--rm cannot be combined with -d (remove the container with the API later)", "run");
    if (values.detach && values.interactive) throw new UsageError("-i cannot be combined with -d", "run");
    const stopTimeout = values["stop-timeout"] === undefined ? undefined : Number(values["stop-timeout"]);
    if (stopTimeout !== undefined && !(Number.isInteger(stopTimeout) && stopTimeout >= 0)) {
      throw new UsageError("--stop-timeout must be a whole number of seconds", "run");
    }

    const spec: RunSpec = {
      image,
      cmd,
      interactive: values.interactive === true,
      tty: values.tty === true,
      remove: values.rm === true,
      detach: values.detach === true,
      name: values.name,
      env: (values.env ?? []).flatMap((entry) => environmentEntry(entry, context.io.env)),
      workdir: values.workdir,
      user: values.user,
      entrypoint: values.entrypoint,
      network: values.network,
      stopTimeout,
    };
    return runContainer(context, spec);
  },
};

/**
 * `-e KEY=VALUE` as given; `-e KEY` takes the value from berth's own environment and is
 * dropped when unset, as with `docker run`.
 */
export function environmentEntry(entry: string, env: Readonly<Record<string, string | undefined>>): string[] {
  if (entry.includes("=")) {
    splitKeyValue(entry, "--env", "run");
    return [entry];
  }
  const value = env[entry];
  return value === undefined ? [] : [`${entry}=${value}`];
}

/** What `berth run` was asked to do. */
export interface RunSpec {
  image: string;
  cmd: string[];
  interactive: boolean;
  tty: boolean;
  remove: boolean;
  detach: boolean;
  name?: string | undefined;
  env: string[];
  workdir?: string | undefined;
  user?: string | undefined;
  entrypoint?: string | undefined;
  network?: string | undefined;
  stopTimeout?: number | undefined;
}

/** The create body for `spec`: the container configuration and the host configuration. */
export function containerConfig(spec: RunSpec): {
  config: Record<string, unknown> & { Image: string };
  hostConfig?: Record<string, unknown>;
} {
  const attached = !spec.detach;
  const config: Record<string, unknown> & { Image: string } = {
    Image: spec.image,
    Tty: spec.tty,
    OpenStdin: spec.interactive,
    // The daemon closes the container's stdin when the attached client half-closes.
    StdinOnce: spec.interactive,
    AttachStdin: spec.interactive,
    AttachStdout: attached,
    AttachStderr: attached,
  };
  if (spec.cmd.length > 0) config["Cmd"] = spec.cmd;
  if (spec.env.length > 0) config["Env"] = spec.env;
  if (spec.workdir !== undefined) config["WorkingDir"] = spec.workdir;
  if (spec.user !== undefined) config["User"] = spec.user;
  if (spec.entrypoint !== undefined) config["Entrypoint"] = spec.entrypoint === "" ? [] : [spec.entrypoint];
  if (spec.stopTimeout !== undefined) config["StopTimeout"] = spec.stopTimeout;
  if (spec.network === "none") config["NetworkDisabled"] = true;
  if (spec.network === undefined) return { config };
  return { config, hostConfig: { NetworkMode: spec.network } };
}

/** Runs `spec`; resolves with the exit code for the process. */
export async function runContainer(context: CliContext, spec: RunSpec): Promise<number> {
  const client = context.client();
  const id = await createPullingIfMissing(context, client, spec);
  if (spec.detach) {
    await client.startContainer({ id, signal: context.signal });
    await writeOut(context.io.stdout, `${id}\n`);
    return 0;
  }
  try {
    return await attachStartWait(context, client, id, spec);
  } finally {
    if (spec.remove) await client.removeContainer({ id, force: true }).catch(() => undefined);
  }
}

/** Creates the container; when the image is missing, pulls it (progress on stderr) and tries again, like `docker run`. */
async function createPullingIfMissing(context: CliContext, client: DockerClient, spec: RunSpec): Promise<string> {
  const { config, hostConfig } = containerConfig(spec);
  const create = async () => (await client.createContainer({ name: spec.name, config, hostConfig, signal: context.signal })).Id;
  try {
    return await create();
  } catch (error) {
    if (!(isDockerError(error) && error.code === "ERR_NO_SUCH_IMAGE")) throw error;
    await writeOut(context.io.stderr, `Unable to find image '${spec.image}' locally\n`);
    await pullWithProgress(context, spec.image, context.io.stderr);
    return await create();
  }
}

async function attachStartWait(context: CliContext, client: DockerClient, id: string, spec: RunSpec): Promise<number> {
  const { stdin, stdout, stderr } = context.io;
  const session = await client.attachToContainer({
    container: id,
    stream: true,
    stdin: spec.interactive,
    stdout: true,
    stderr: true,
    tty: spec.tty,
    outputStream: stdout,
    errorStream: spec.tty ? undefined : stderr,
    inputStream: spec.interactive ? stdin : undefined,
  });
  const rawMode = spec.tty && spec.interactive && stdin.isTTY === true && typeof stdin.setRawMode === "function";
  const cleanups: (() => void)[] = [() => session.close()];
  try {
    if (rawMode) {
      stdin.setRawMode!(true);
      cleanups.push(() => stdin.setRawMode!(false));
    }
    if (!spec.tty) {
      const forward = (signal: string) => void client.killContainer({ id, killSignal: signal }).catch(() => undefined);
      cleanups.push(context.handleSignals(forward));
    }
    await client.startContainer({ id, signal: context.signal });
    if (spec.tty && stdout.isTTY) cleanups.push(followTerminalSize(session, stdout));
    const exitCode = await client.waitContainer({ id, signal: context.signal });
    // All output is written once the daemon ended the stream; a broken stream is an error.
    await session.closed;
    return exitCode;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
    // The input copy leaves stdin paused; release it so the process can end.
    if (spec.interactive) stdin.pause();
  }
}

/** Sizes the container's TTY to the terminal now and on every SIGWINCH; returns the undo. */
function followTerminalSize(session: AttachSession, terminal: OutputStream): () => void {
  const resize = () => {
    if (!terminal.columns || !terminal.rows) return;
    // A resize racing the container's exit fails harmlessly.
    session.resize({ width: terminal.columns, height: terminal.rows }).catch(() => undefined);
  };
  resize();
  process.on("SIGWINCH", resize);
  return () => void process.removeListener("SIGWINCH", resize);
}
