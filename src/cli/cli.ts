/**
 * The `berth` command line: global options, the command table, help, and the one place
 * errors become messages and exit codes:
 *
 * - 0 on success; `run` exits with the container's exit code;
 * - 1 for any error: the typed error's message (`DockerError.message`: the daemon's words, the
 *   endpoint that refused, ...) is printed to stderr as `berth: <message>`;
 * - 2 for a mistake in the command line, printed with the command's usage;
 * - 130 when interrupted (Ctrl-C) during a stream (`logs -f`, `events`).
 */
import { parseArgs } from "node:util";
import { HelpRequested, UsageError, withTerminator } from "./args.js";
import { CliContext, cliVersion, writeOut, type CliIo } from "./context.js";
import { cp, exportCommand } from "./commands/archive.js";
import { build } from "./commands/build.js";
import { generate } from "./commands/generate.js";
import { images, ps } from "./commands/listing.js";
import { rm, rmi, tag } from "./commands/manage.js";
import { events, logs } from "./commands/logs.js";
import { pull, push } from "./commands/registry.js";
import { run } from "./commands/run.js";
import { node, secret, service, swarm } from "./commands/swarm.js";
import { info, version } from "./commands/system.js";
import type { Command } from "./commands/types.js";
import { isDockerError } from "../index.js";

/** Every command, in the order `berth --help` lists them. */
export const COMMANDS: readonly Command[] = [
  run,
  ps,
  rm,
  logs,
  events,
  images,
  pull,
  push,
  build,
  tag,
  rmi,
  exportCommand,
  cp,
  info,
  version,
  generate,
  service,
  node,
  swarm,
  secret,
];

const GLOBAL_OPTIONS = {
  host: { type: "string", short: "H" },
  context: { type: "string", short: "c" },
  "ssh-config": { type: "string" },
  "ssh-identity": { type: "string" },
  "ssh-option": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** `berth --help`. */
export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const list = COMMANDS.map((command) => `  ${command.name.padEnd(width)}   ${command.summary}`).join("\n");
  return `Usage: berth [OPTIONS] COMMAND [ARGS...]

A docker-style command line for the Docker Engine API, built on the berth library.

Options:
  -H, --host HOST        Daemon to use: unix:///path, tcp://host:port, ssh://[user@]host[:port][/socket]
                         (default: DOCKER_HOST, else the docker context, else
                         unix:///var/run/docker.sock; DOCKER_TLS_VERIFY/DOCKER_CERT_PATH apply)
  -c, --context NAME     Docker context to use (overrides DOCKER_HOST and DOCKER_CONTEXT)
      --ssh-config FILE  For ssh:// hosts: the ssh config file (ssh -F) instead of ~/.ssh/config
      --ssh-identity FILE
                         For ssh:// hosts: a private key to offer (ssh -i)
      --ssh-option NAME=VALUE
                         For ssh:// hosts: an extra ssh -o option (repeatable)
  -h, --help             Show this help (berth COMMAND --help for a command's)
  -v, --version          Print berth's version

Commands:
${list}
`;
}

/** Runs `berth ARGS...`; resolves with the exit code. Never rejects. */
export async function runCli(argv: readonly string[], io: CliIo, onContext?: (context: CliContext) => void): Promise<number> {
  let context: CliContext | undefined;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: withTerminator(argv, GLOBAL_OPTIONS), options: GLOBAL_OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.version) {
      await writeOut(io.stdout, `berth ${cliVersion()}\n`);
      return 0;
    }
    const [name, ...rest] = positionals;
    if (values.help || name === undefined || name === "help") {
      const topic = name === "help" ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
      await writeOut(name === undefined && !values.help ? io.stderr : io.stdout, topic ? topic.usage : mainUsage());
      return name === undefined && !values.help ? 2 : 0;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}: see berth --help`);
    context = new CliContext(io, {
      host: values.host,
      context: values.context,
      ssh: {
        configFile: values["ssh-config"],
        identityFile: values["ssh-identity"],
        options: values["ssh-option"],
      },
    });
    onContext?.(context);
    return await command.run(context, rest);
  } catch (error) {
    return reportError(io, error);
  } finally {
    await context?.close().catch(() => undefined);
  }
}

/** Prints `error` the way the file comment says and returns the exit code. */
export async function reportError(io: CliIo, error: unknown): Promise<number> {
  if (error instanceof HelpRequested) {
    const command = COMMANDS.find((candidate) => candidate.name === error.command);
    await writeOut(io.stdout, command?.usage ?? mainUsage());
    return 0;
  }
  if (error instanceof UsageError) {
    const command = COMMANDS.find((candidate) => candidate.name === error.command);
    await writeOut(io.stderr, `berth: ${error.message}\n${command ? `\n${command.usage}` : ""}`).catch(() => undefined);
    return 2;
  }
  const message = isDockerError(error) || error instanceof Error ? error.message : String(error);
  await writeOut(io.stderr, `berth: ${message}\n`).catch(() => undefined);
  return 1;
}
