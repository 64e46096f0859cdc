#!/usr/bin/env node
/**
 * The `berth` executable: runs the CLI on the real process (argv, streams, environment,
 * signals) and exits with its code. `bin/berth.js` loads the built copy of this file; from a
 * checkout, `npx tsx src/cli/main.ts`, `bun src/cli/main.ts` or `deno run -A src/cli/main.ts`.
 */
import process from "node:process";
import { setTimeout } from "node:timers";
import { runCli } from "./cli.js";
import type { CliContext, ForwardedSignal } from "./context.js";

let context: CliContext | undefined;
let interrupts = 0;
const onSignal = (signal: ForwardedSignal) => {
  interrupts++;
  // A second Ctrl-C ends berth at once, whatever the command was waiting for.
  if (interrupts > 1 || context === undefined) process.exit(signal === "SIGINT" ? 130 : 143);
  context.deliverSignal(signal);
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

const code = await runCli(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  (created) => {
    context = created;
  },
);
process.exitCode = code;
// Everything is closed by now; should a handle still hold the event loop (a terminal's stdin on
// some runtimes), end anyway once the output has been flushed.
setTimeout(() => process.exit(code), 200).unref();
