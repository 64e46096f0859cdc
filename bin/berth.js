#!/usr/bin/env node
// The `berth` command of the npm package: the bundled CLI (`npm run build`, scripts/build.mjs,
// writes dist/; keep this path in step with CLI_ENTRY there).
import "../dist/src/cli/main.js";
