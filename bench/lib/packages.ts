/**
 * Packages as a user gets them: berth built and `npm pack`ed from a copy of the working tree,
 * the peers from the registry, each installed alone with `npm install --omit=dev` into a
 * directory of its own under the bench work directory. Used for the installed-size numbers
 * and as the cold-start subjects. Peer installs are kept between runs (keyed by version).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./child.js";

/** An installed package. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** The directory holding `node_modules/`. */
  dir: string;
  /** Bytes under `node_modules/` (`du -sb`). */
  bytes: number;
  /** Bytes of the JavaScript files alone (`.js`, `.mjs`, `.cjs`): what can run, without types, docs and maps. */
  scriptBytes?: number | undefined;
  /** Packages installed (the package and its runtime dependencies). */
  packages: number;
  /** The largest installed packages (nested node_modules counted with their parent), bytes. */
  largest: { name: string; bytes: number }[];
  /** The largest parts of the package itself (its files two levels deep, e.g. `dist/src`, `docs/api`), bytes. */
  ownLargest: { name: string; bytes: number }[];
  /** Packages that are native addons (`binding.gyp`, `gypfile`, or `.node` files), with how. */
  nativeAddons: string[];
  /** The import specifier that reaches its main entry from `dir` (differs from `name` if the exports are broken). */
  entry: string;
  /** Problems found while packing or installing. */
  problems: string[];
}

/** The bench's scratch directory (outside the repository). */
export function workDir(): string {
  const dir = process.env["BERTH_BENCH_WORK"] ?? "/tmp/berth-bench";
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

function npmInstall(dir: string, spec: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "berth-bench-install", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--no-package-lock", spec], dir);
  writeFileSync(path.join(dir, ".complete"), spec);
}

/** Walks node_modules: package count and native addons. */
function inspectTree(nodeModules: string): { packages: number; nativeAddons: string[] } {
  let packages = 0;
  const nativeAddons = new Set<string>();
  const visitPackage = (dir: string, name: string) => {
    packages++;
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { gypfile?: boolean };
    if (manifest.gypfile || existsSync(path.join(dir, "binding.gyp"))) nativeAddons.add(`${name} (binding.gyp)`);
    const findNode = (d: string, depth: number): boolean =>
      readdirSync(d, { withFileTypes: true }).some((e) =>
        e.isFile()
          ? e.name.endsWith(".node")
          : e.isDirectory() && e.name !== "node_modules" && depth < 6 && findNode(path.join(d, e.name), depth + 1),
      );
    if (findNode(dir, 0)) nativeAddons.add(`${name} (.node binary)`);
    const nested = path.join(dir, "node_modules");
    if (existsSync(nested)) visitTree(nested);
  };
  const visitTree = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith("@")) {
        for (const scoped of readdirSync(full))
          if (existsSync(path.join(full, scoped, "package.json"))) visitPackage(path.join(full, scoped), `${entry.name}/${scoped}`);
      } else if (existsSync(path.join(full, "package.json"))) visitPackage(full, entry.name);
    }
  };
  visitTree(nodeModules);
  return { packages, nativeAddons: [...nativeAddons].sort() };
}

const duBytes = (target: string, cwd: string) => Number(run("du", ["-sb", target], cwd).split(/\s/)[0]);

/** Bytes of the JavaScript files under `dir`, symbolic links not followed. */
function scriptBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += scriptBytes(full);
    else if (entry.isFile() && /\.[cm]?js$/.test(entry.name)) bytes += statSync(full).size;
  }
  return bytes;
}

/** Sizes of the top-level packages, largest first. */
function largestPackages(nodeModules: string): { name: string; bytes: number }[] {
  const dirs: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) for (const scoped of readdirSync(path.join(nodeModules, entry))) dirs.push(`${entry}/${scoped}`);
    else dirs.push(entry);
  }
  return dirs
    .map((name) => ({ name, bytes: duBytes(path.join(nodeModules, name), nodeModules) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** Sizes of a package's own entries two levels deep, largest first. */
function ownParts(pkgDir: string): { name: string; bytes: number }[] {
  const parts: string[] = [];
  for (const entry of readdirSync(pkgDir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    if (entry.isDirectory()) for (const sub of readdirSync(path.join(pkgDir, entry.name))) parts.push(`${entry.name}/${sub}`);
    else parts.push(entry.name);
  }
  return parts
    .map((name) => ({ name, bytes: duBytes(path.join(pkgDir, name), pkgDir) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** `packageName`: the directory under node_modules when it differs from the contender's name (berth is `berth-docker`). */
function describe(name: string, version: string, dir: string, entry: string, problems: string[], packageName = name): InstalledPackage {
  const nodeModules = path.join(dir, "node_modules");
  return {
    name,
    version,
    dir,
    bytes: duBytes(nodeModules, dir),
    scriptBytes: scriptBytes(nodeModules),
    ...inspectTree(nodeModules),
    largest: largestPackages(nodeModules),
    ownLargest: ownParts(path.join(nodeModules, packageName)),
    entry,
    problems,
  };
}

/** Installs a registry package (cached by version). */
export function installPeer(name: string, version: string): InstalledPackage {
  const dir = path.join(workDir(), "pkgs", `${name.replace("/", "+")}@${version}`);
  if (!existsSync(path.join(dir, ".complete"))) npmInstall(dir, `${name}@${version}`);
  return describe(name, version, dir, name, []);
}

/**
 * Packs berth as `npm pack` would from the working tree, but in a copy (every tracked and
 * untracked, not ignored file), so the shared tree's dist/ and docs/ are not touched, and
 * installs the tarball. `withScripts` runs the package's `prepack` (build and docs: the real
 * package); without it only the package's `build` script runs (quick runs: what `prepack`
 * would add besides dist/ is then missing, and reported as a problem). Checks that the
 * package's `exports` entry exists in what was packed; if not, it is reached by file path and
 * the problem is reported.
 */
export function installBerth(withScripts: boolean): InstalledPackage {
  const root = repoRoot();
  const work = workDir();
  const stage = path.join(work, "berth-stage");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root).split("\0").filter(Boolean);
  for (const file of files) {
    const from = path.join(root, file);
    if (!existsSync(from)) continue; // tracked but deleted in the working tree
    mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    cpSync(from, path.join(stage, file));
  }
  symlinkSync(path.join(root, "node_modules"), path.join(stage, "node_modules"));
  const problems: string[] = [];
  const manifest = JSON.parse(readFileSync(path.join(stage, "package.json"), "utf8")) as {
    version: string;
    exports?: Record<string, { default?: string } | string>;
    main?: string;
    scripts?: Record<string, string>;
  };
  const prepack = manifest.scripts?.["prepack"];
  if (!withScripts || !prepack) {
    // The package's own build (the bundle and its declarations) when it has one, else plain tsc.
    const build = manifest.scripts?.["build"];
    try {
      if (build) run("npm", ["run", "--silent", "build"], stage);
      else run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], stage);
    } catch (error) {
      const output = String((error as { stdout?: string }).stdout ?? error)
        .trim()
        .split("\n");
      problems.push(
        `${build ? "npm run build" : "tsc -p tsconfig.build.json"} failed with ${output.filter((l) => /error TS/.test(l)).length} type errors, first: ${output[0]}`,
      );
    }
    if (prepack)
      problems.push(
        `prepack (${prepack}) not run (quick mode): the build without the API reference is in the package, so the size is understated`,
      );
  }
  let packed: string;
  try {
    packed = run("npm", ["pack", "--silent", ...(withScripts ? [] : ["--ignore-scripts"])], stage);
  } catch (error) {
    throw new Error(
      `npm pack failed: ${String((error as { stderr?: string }).stderr ?? error)
        .trim()
        .split("\n")
        .slice(-3)
        .join(" | ")}`,
    );
  }
  const tarball = path.join(stage, packed.trim().split("\n").pop()!);
  const dir = path.join(work, "pkgs", "berth");
  npmInstall(dir, tarball);
  const installed = path.join(dir, "node_modules", "berth-docker");
  const exported = manifest.exports?.["."];
  const target = typeof exported === "string" ? exported : (exported?.default ?? manifest.main ?? "./index.js");
  let entry = "berth-docker";
  if (!existsSync(path.join(installed, target))) {
    const fallback = ["dist/src/index.js", "dist/index.js"].find((candidate) => existsSync(path.join(installed, candidate)));
    problems.push(`package.json exports "." -> ${target}, which is not in the packed package: \`import "berth"\` fails`);
    if (!fallback) throw new Error(problems.join("; "));
    entry = path.join(installed, fallback);
  }
  return describe("berth", manifest.version, dir, entry, problems, "berth-docker");
}
