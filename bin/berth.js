#!/usr/bin/env node
// The `berth` command of the npm package: the compiled CLI (`npm run build` writes dist/).
import "../dist/src/cli/main.js";
