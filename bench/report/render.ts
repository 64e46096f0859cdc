/**
 * Re-renders a results file's markdown (and re-judges its targets) without measuring again:
 * for changes to the report or the target rules.
 *
 *   npx tsx bench/report/render.ts [bench/results/latest.json]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { renderMarkdown } from "./markdown.js";
import type { BenchResults } from "./results.js";
import { judge } from "./targets.js";

const file = process.argv[2] ?? new URL("../results/latest.json", import.meta.url).pathname;
const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
results.verdicts = judge(results).verdicts;
writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
writeFileSync(file.replace(/\.json$/, ".md"), renderMarkdown(results));
console.log(`re-rendered ${file.replace(/\.json$/, ".md")}`);
