/**
 * The timeout, timeout-validation and signal cases of test/helpers/timeout-cases.ts on Bun
 * and Deno (vitest runs the same list on Node), against fake unix-socket daemons.
 */
import { timeoutCases } from "../helpers/timeout-cases.js";
import { run, test } from "./harness.js";

for (const c of timeoutCases) test(c.name, c.run, 20_000);

await run("timeouts");
