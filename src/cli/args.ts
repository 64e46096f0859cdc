/**
 * Argument parsing on `node:util` `parseArgs` (Bun and Deno implement it too), with the two
 * things the docker CLI does that it lacks: stopping at the first positional (`berth run IMAGE
 * ls -la` must hand `-la` to the container, and global options end at the command), and
 * one usage error type for every mistake.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in the command line. main.ts prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The command whose usage to print, if known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** `-h/--help` was given to a command: runCli prints its usage and exits 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
  readonly command: string;
  constructor(command: string) {
    super(`help for ${command}`);
    this.command = command;
  }
}

/** What `parseCommand` returns: typed option values and the positionals. */
export interface ParsedCommand<Values> {
  values: Values;
  positionals: string[];
}

/** Options of `parseCommand`. */
export interface ParseCommandOptions {
  /** The command, for the usage message. */
  command: string;
  /** Everything from the first positional on is positional (`run IMAGE CMD...`). */
  stopAtPositional?: boolean | undefined;
  /** Fewest positionals allowed. */
  min?: number | undefined;
  /** Most positionals allowed. */
  max?: number | undefined;
}

/**
 * Parses `args` against `specs` (plus `-h/--help`, which throws `HelpRequested`). Unknown
 * options, missing values and a wrong number of positionals throw `UsageError`.
 */
export function parseCommand<const Specs extends OptionSpecs>(
  args: readonly string[],
  specs: Specs,
  options: ParseCommandOptions,
): ParsedCommand<
  ReturnType<
    typeof parseArgs<{ options: Specs & { help: { type: "boolean"; short: "h" } }; allowPositionals: true; strict: true }>
  >["values"]
> {
  const allSpecs = { ...specs, help: { type: "boolean", short: "h" } } as Specs & { help: { type: "boolean"; short: "h" } };
  const list = options.stopAtPositional ? withTerminator(args, allSpecs) : [...args];
  let parsed;
  try {
    parsed = parseArgs({ args: list, options: allSpecs, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(cleanMessage((error as Error).message), options.command);
  }
  const { values, positionals } = parsed;
  if ((values as { help?: boolean }).help) throw new HelpRequested(options.command);
  if (options.min !== undefined && positionals.length < options.min) {
    throw new UsageError(`"${options.command}" requires ${atLeast(options.min)}`, options.command);
  }
  if (options.max !== undefined && positionals.length > options.max) {
    throw new UsageError(`"${options.command}" takes ${options.max === 0 ? "no arguments" : atMost(options.max)}`, options.command);
  }
  return { values, positionals };
}

/**
 * Inserts `--` before the first positional, so `parseArgs` reads options only up to it. Knows
 * which options take a value, so `--name web busybox` does not stop at `web`.
 */
export function withTerminator(args: readonly string[], specs: OptionSpecs): string[] {
  const takesValue = (token: string): boolean => {
    if (token.startsWith("--")) {
      if (token.includes("=")) return false;
      return specs[token.slice(2)]?.type === "string";
    }
    // A short group like `-it`: only its last letter can take the next argument, and only when
    // nothing follows it inside the token (`-eFOO=1` carries its value).
    const letters = token.slice(1);
    const spec = Object.values(specs).find((candidate) => candidate.short === letters.at(-1));
    return letters.length >= 1 && spec?.type === "string" && shortValueIsNext(letters, specs);
  };
  for (let index = 0; index < args.length; index++) {
    const token = args[index]!;
    if (token === "--") return [...args];
    if (token === "-" || !token.startsWith("-")) return [...args.slice(0, index), "--", ...args.slice(index)];
    if (takesValue(token)) index++;
  }
  return [...args];
}

/** True when, in the short group `letters`, the first value-taking letter is the last one. */
function shortValueIsNext(letters: string, specs: OptionSpecs): boolean {
  for (let i = 0; i < letters.length; i++) {
    const spec = Object.values(specs).find((candidate) => candidate.short === letters[i]);
    if (spec?.type === "string") return i === letters.length - 1;
  }
  return false;
}

function cleanMessage(message: string): string {
  // parseArgs suggests `--` for positionals that look like options; berth's commands take none.
  return message.replace(/\. To specify a positional argument starting with a '-'.*$/s, "");
}

const atLeast = (n: number) => (n === 1 ? "at least 1 argument" : `at least ${n} arguments`);
const atMost = (n: number) => (n === 1 ? "at most 1 argument" : `at most ${n} arguments`);

/** Parses `KEY=VALUE` (the value may contain `=`). */
export function splitKeyValue(text: string, option: string, command: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${option} expects KEY=VALUE, got ${JSON.stringify(text)}`, command);
  return [text.slice(0, at), text.slice(at + 1)];
}
