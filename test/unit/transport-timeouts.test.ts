/**
 * Headers then silence, a trickling body, follow streams, paused bodies; timeout and signal
 * validation (issue #16 items 2, 4, 6) on Node. The same cases run on Bun and Deno through
 * test/runtime/timeouts.ts (test/helpers/timeout-cases.ts holds them).
 */
import { describe, it } from "vitest";
import { timeoutCases } from "../helpers/timeout-cases.js";

describe("transport timeouts and checks", () => {
  for (const c of timeoutCases) it(c.name, c.run, 20_000);
});
