/**
 * `berth generate`: typed calls for another API version, from Docker's own API document.
 *
 * It runs berth's generator (`scripts/generate/pipeline.mjs`, shipped in the package with the
 * overlay of corrections, `overlays/`) in this process, so it works the same from a checkout
 * and from an installed package. The generator's own tools (openapi-typescript,
 * swagger2openapi, js-yaml, typescript) are development dependencies of berth, not runtime
 * ones: a project that wants to generate installs them itself, and the command says so when
 * they are missing instead of failing with a module-resolution trace.
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseCommand, UsageError } from "../args.js";
import { writeOut } from "../context.js";
import type { Command } from "./types.js";

/** The tools the generator imports, for the message when they are missing. */
export const GENERATOR_TOOLS = ["openapi-typescript", "swagger2openapi", "js-yaml", "typescript"] as const;

interface Pipeline {
  defaultOverlay: string;
  generateFiles(options: { source: string; version?: string; overlay?: string | null; cwd?: string }): Promise<{
    files: Record<string, string>;
    apiVersion: string;
    inputName: string;
  }>;
  writeFiles(dir: string, files: Record<string, string>): Promise<void>;
  diffAgainst(dir: string, files: Record<string, string>): Promise<{ file: string; problem: string }[]>;
}

export const generate: Command = {
  name: "generate",
  summary: "Generate typed calls for a Docker API version from its document",
  usage: `Usage: berth generate --spec FILE_OR_URL [OPTIONS]

Generate types (openapi-typescript), validators, zod schemas and the final OpenAPI document for one
Docker Engine API version, for createDockerApi<paths>() (see docs/regenerating.md).
Needs the generator's tools in the project: npm install --save-dev ${GENERATOR_TOOLS.join(" ")}

Options:
      --spec SRC       Docker's API document: a file or URL, YAML or JSON,
                       Swagger 2.0 (moby's docs/api/v1.XX.yaml) or OpenAPI 3
      --version X.Y    The API version (default: read from the document)
      --out DIR        Output directory (default: ./generated/v<X.Y>)
      --overlay FILE   Corrections to apply (default: berth's overlays/docker-engine-api.yaml)
      --no-overlay     Apply no corrections
      --check          Compare with DIR instead of writing; exit 1 if they differ

To regenerate berth's own generated/ in a checkout, run: npm run generate
`,
  async run(context, args) {
    const { values } = parseCommand(
      args,
      {
        spec: { type: "string" },
        version: { type: "string" },
        out: { type: "string" },
        overlay: { type: "string" },
        "no-overlay": { type: "boolean" },
        check: { type: "boolean" },
      },
      { command: "generate", max: 0 },
    );
    if (values.spec === undefined)
      throw new UsageError("--spec is required (to regenerate berth's own generated/, run npm run generate)", "generate");
    if (values.version !== undefined && !/^\d+\.\d+$/.test(values.version))
      throw new UsageError("--version must look like 1.44", "generate");
    if (values.overlay !== undefined && values["no-overlay"])
      throw new UsageError("--overlay and --no-overlay cannot be combined", "generate");

    const pipeline = await loadPipeline();
    const isUrl = /^https?:\/\//.test(values.spec);
    const overlay = values["no-overlay"] ? null : values.overlay !== undefined ? resolve(values.overlay) : pipeline.defaultOverlay;
    const { files, apiVersion, inputName } = await pipeline.generateFiles({
      source: isUrl ? values.spec : resolve(values.spec),
      ...(values.version !== undefined ? { version: values.version } : {}),
      overlay,
    });
    const out = resolve(values.out ?? join("generated", `v${apiVersion}`));
    const shown = relative(process.cwd(), out) || ".";
    if (values.check) {
      const problems = await pipeline.diffAgainst(out, files);
      if (problems.length === 0) {
        await writeOut(context.io.stdout, `v${apiVersion} (${inputName}) is up to date in ${shown}\n`);
        return 0;
      }
      const lines = problems.map((problem) => `  ${relative(process.cwd(), problem.file) || problem.file}: ${problem.problem}\n`).join("");
      await writeOut(context.io.stderr, `v${apiVersion} (${inputName}) differs from ${shown}:\n${lines}`);
      return 1;
    }
    await pipeline.writeFiles(out, files);
    await writeOut(context.io.stdout, `wrote ${shown}/{${Object.keys(files).join(",")}} for API ${apiVersion} from ${inputName}\n`);
    return 0;
  },
};

/** berth's package directory: the nearest parent of this file with berth's package.json. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let directory = dirname(from);
  for (;;) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "berth-docker") return directory;
      } catch {
        // Not berth's manifest; keep looking.
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

async function loadPipeline(): Promise<Pipeline> {
  const root = packageRoot();
  const file = root === undefined ? undefined : join(root, "scripts", "generate", "pipeline.mjs");
  if (file === undefined || !existsSync(file)) {
    throw new GeneratorUnavailableError(
      "berth's generator (scripts/generate/) is not where the package keeps it; reinstall berth or run it from a checkout",
    );
  }
  try {
    return (await import(pathToFileURL(file).href)) as Pipeline;
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    const missing = GENERATOR_TOOLS.find((tool) => message.includes(`'${tool}'`) || message.includes(`"${tool}"`));
    if (missing === undefined) throw error;
    throw new GeneratorUnavailableError(
      `the generator needs ${missing}, which is not installed here.\nInstall its tools in your project: npm install --save-dev ${GENERATOR_TOOLS.join(" ")}`,
    );
  }
}

/** The generator or its tools cannot be loaded. */
export class GeneratorUnavailableError extends Error {
  override name = "GeneratorUnavailableError";
}
