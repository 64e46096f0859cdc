/**
 * Runs one in-process scenario in a fresh process and prints its result as one JSON line, so
 * that every scenario starts from the same clean state (no garbage or warm caches from the one
 * before) and runs unchanged on Node, Bun and Deno:
 *
 *   child --scenario small-calls|lifecycle|events --options '<json>'
 */
import { errorText } from "../lib/errors.js";
import { parseArgs, scriptArgs } from "../lib/child.js";
import { targetFromEnv } from "../lib/daemon.js";
import { runEvents } from "./events.js";
import { runLifecycle } from "./lifecycle.js";
import { runSmallCalls } from "./small-calls.js";

async function main(): Promise<unknown> {
  const args = parseArgs(scriptArgs());
  const options = JSON.parse(args["options"] ?? "{}");
  const target = targetFromEnv();
  const log = (line: string) => console.error(line);
  switch (args["scenario"]) {
    case "small-calls":
      return runSmallCalls(target, options);
    case "lifecycle":
      return runLifecycle(target, options);
    case "events":
      return runEvents(target, options, log);
    default:
      throw new Error(`unknown scenario ${args["scenario"]}`);
  }
}

try {
  console.log(JSON.stringify(await main()));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ error: errorText(error) }));
  process.exit(1);
}
