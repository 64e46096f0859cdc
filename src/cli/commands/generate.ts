/**
 * `berth generate`: typed calls for another API version, from Docker's own API document.
 *
 * It runs berth's generator (`scripts/generate/pipeline.mjs`, shipped in the package with the
 * overlay of corrections, `overlays/`) in this process, so it works the same from a checkout
 * and from an installed package. The generator's own tools (openapi-typescript,
 * swagger2openapi, js-yaml, typescript) are development dependencies of berth, not runtime
 * ones: a project that wants to generate installs them itself (one pinned line,
 * scripts/generate/tools.mjs), and the command checks them first: a missing tool or a wrong
 * major version is named as such instead of failing with a module-resolution trace or inside
 * openapi-typescript.
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseCommand, UsageError } from "../args.js";
import { writeOut } from "../context.js";
import type { Command } from "./types.js";

/** The install line the usage shows; tools.mjs (shipped with the generator) holds the same majors. */
export const GENERATOR_INSTALL_LINE = "npm install --save-dev openapi-typescript@7 swagger2openapi@7 js-yaml@4 typescript@5";

interface Tools {
  checkGeneratorTools(fromDir?: string): Record<string, string | undefined>;
  GeneratorToolError: new (...args: never[]) => Error;
}

interface Pipeline {
  defaultOverlay: string;
  generateFiles(options: {
    source: string;
    version?: string;
    overlay?: string | null;
    cwd?: string;
    format?: "js" | "ts";
    zod?: boolean;
  }): Promise<{
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

Generate types (openapi-typescript), validators, optionally zod schemas, and the final OpenAPI
document for one Docker Engine API version (see docs/regenerating.md).
Needs the generator's tools in the project: ${GENERATOR_INSTALL_LINE}

Options:
      --spec SRC       Docker's API document: a file or URL, YAML or JSON,
                       Swagger 2.0 (moby's docs/api/v1.XX.yaml) or OpenAPI 3
      --version X.Y    The API version (default: read from the document)
      --out DIR        Output directory (default: ./generated/v<X.Y>)
      --overlay FILE   Corrections to apply (default: berth's overlays/docker-engine-api.yaml)
      --no-overlay     Apply no corrections
      --format FORMAT  js: JavaScript modules with .d.ts declarations, which Node, Bun and
                       Deno load as they are (default); ts: TypeScript sources, for a
                       project that compiles or bundles them
      --zod            Also write zod schemas (zod.js/zod.ts; the project needs zod 4)
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
        format: { type: "string" },
        zod: { type: "boolean" },
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
    const format = values.format ?? "js";
    if (format !== "js" && format !== "ts") throw new UsageError(`--format must be js or ts, got ${JSON.stringify(format)}`, "generate");

    const pipeline = await loadPipeline();
    const isUrl = /^https?:\/\//.test(values.spec);
    const overlay = values["no-overlay"] ? null : values.overlay !== undefined ? resolve(values.overlay) : pipeline.defaultOverlay;
    const { files, apiVersion, inputName } = await pipeline.generateFiles({
      source: isUrl ? values.spec : resolve(values.spec),
      ...(values.version !== undefined ? { version: values.version } : {}),
      overlay,
      format,
      zod: values.zod === true,
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

/**
 * Loads the generator after checking its tools (tools.mjs imports none of them), so that a
 * missing tool or a wrong major is reported by name with the install line that fixes it.
 */
async function loadPipeline(): Promise<Pipeline> {
  const root = packageRoot();
  const directory = root === undefined ? undefined : join(root, "scripts", "generate");
  if (directory === undefined || !existsSync(join(directory, "pipeline.mjs")) || !existsSync(join(directory, "tools.mjs"))) {
    throw new GeneratorUnavailableError(
      "berth's generator (scripts/generate/) is not where the package keeps it; reinstall berth or run it from a checkout",
    );
  }
  const tools = (await import(pathToFileURL(join(directory, "tools.mjs")).href)) as Tools;
  try {
    tools.checkGeneratorTools(directory);
  } catch (error) {
    if (error instanceof tools.GeneratorToolError) throw new GeneratorUnavailableError(error.message, { cause: error });
    throw error;
  }
  return (await import(pathToFileURL(join(directory, "pipeline.mjs")).href)) as Pipeline;
}

/** The generator or its tools cannot be loaded (a tool is missing or has a wrong major version). */
export class GeneratorUnavailableError extends Error {
  override name = "GeneratorUnavailableError";
}
