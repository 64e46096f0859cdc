// The generator's own tools and the majors it works with, checked before anything imports them,
// so that a missing tool or a wrong major version is reported as such (and not as a module
// resolution trace, or as a crash deep inside openapi-typescript).
//
// Found the way Node resolves a bare import from this directory: node_modules/<tool>/package.json
// in this directory and each parent. No tool is imported here.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Each tool, the major versions known to work, and what goes wrong with other majors.
 * Seen with other majors: js-yaml 5 has no default export (`import yaml from "js-yaml"` fails);
 * under TypeScript 7 openapi-typescript 7 fails inside its printer (`createKeywordTypeNode` of
 * undefined). openapi-typescript 7 itself declares `typescript: ^5.x` as its peer.
 */
export const GENERATOR_TOOLS = Object.freeze([
  { name: "openapi-typescript", major: 7 },
  { name: "swagger2openapi", major: 7 },
  { name: "js-yaml", major: 4 },
  { name: "typescript", major: 5 },
]);

/** The one install line that gives the generator working versions of all its tools. */
export const INSTALL_LINE = `npm install --save-dev ${GENERATOR_TOOLS.map((tool) => `${tool.name}@${tool.major}`).join(" ")}`;

/** A tool of the generator is missing or has a major version the generator does not work with. */
export class GeneratorToolError extends Error {
  /** @param {string} message @param {{ tool: string, found?: string }} details */
  constructor(message, details) {
    super(message);
    this.name = "GeneratorToolError";
    this.tool = details.tool;
    this.found = details.found;
  }
}

/**
 * The version of `name` that a bare import from `fromDir` would load, or undefined when there is
 * none. Follows Node's lookup: `node_modules/<name>` in `fromDir`, then in each parent.
 */
export function installedVersion(name, fromDir) {
  let dir = path.resolve(fromDir);
  for (;;) {
    const manifest = path.join(dir, "node_modules", name, "package.json");
    if (existsSync(manifest)) {
      try {
        const version = JSON.parse(readFileSync(manifest, "utf8")).version;
        return typeof version === "string" ? version : "unknown";
      } catch {
        return "unknown";
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Throws a GeneratorToolError naming every tool that is missing or of a wrong major, and the
 * install line that fixes it. `fromDir` is where the generator's modules live.
 * @param {string} [fromDir]
 * @returns {Record<string, string>} the version found of each tool
 */
export function checkGeneratorTools(fromDir = import.meta.dirname) {
  const found = {};
  const problems = [];
  let first;
  for (const tool of GENERATOR_TOOLS) {
    const version = installedVersion(tool.name, fromDir);
    found[tool.name] = version;
    if (version === undefined) {
      problems.push(`${tool.name} is not installed`);
      first ??= { tool: tool.name };
      continue;
    }
    const major = Number(/^(\d+)\./.exec(version)?.[1]);
    if (major !== tool.major) {
      problems.push(`${tool.name} ${version} is installed, but the generator needs ${tool.name} ${tool.major}.x`);
      first ??= { tool: tool.name, found: version };
    }
  }
  if (problems.length > 0) {
    throw new GeneratorToolError(
      `the generator cannot run with the tools installed here:\n  ${problems.join("\n  ")}\nInstall working versions in your project: ${INSTALL_LINE}`,
      first,
    );
  }
  return found;
}
