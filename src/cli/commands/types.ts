/**
 * The shape of a command: its name, a one-line summary for `berth --help`, its usage text and
 * the function that runs it and returns the exit code.
 */
import type { CliContext } from "../context.js";

/** One `berth` subcommand. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full usage text, printed by `berth CMD --help` and with usage errors. */
  readonly usage: string;
  run(context: CliContext, args: readonly string[]): Promise<number>;
}
