/**
 * Reads a V8 `.cpuprofile` (`node --cpu-prof`) into the two lists that say where a client's
 * time goes: self time by function (what is hot) and inclusive time of berth's own functions
 * (which berth code path is responsible), as shares of the busy (non-idle) samples.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's (or owner's) share. */
export interface ProfileEntry {
  /** `file:function:line` (file relative to the repository or package), or an owner. */
  frame: string;
  /** Percent of busy time. */
  pct: number;
  /** Microseconds per unit of work (per request, per MB), when the caller gave the units. */
  us?: number | undefined;
}

/** What a profile says. */
export interface ProfileSummary {
  /** Busy (non-idle) sampled time, ms. */
  busyMs: number;
  /** Units of work the profile covers (requests, MB), if given. */
  units?: number | undefined;
  /** Hottest functions by self time. */
  self: ProfileEntry[];
  /** berth's functions (src/) by inclusive time. */
  berthInclusive: ProfileEntry[];
  /** Self time grouped by owner: berth file, package, node internals, V8 (GC, program). */
  byOwner: ProfileEntry[];
}

/** esbuild's module markers (`// src/attach/session.ts`) of each bundle file, by line. */
const bundleMarkers = new Map<string, { line: number; module: string }[]>();

/** The source module esbuild put at `line` (0-based) of a bundle file in dist/, if it says. */
function bundledModule(file: string, line: number): string | undefined {
  let markers = bundleMarkers.get(file);
  if (!markers) {
    markers = [];
    try {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((text, at) => {
          const marker = /^\/\/ ((?:src|generated)\/\S+\.ts)$/.exec(text);
          if (marker) markers!.push({ line: at, module: marker[1]! });
        });
    } catch {
      // Not readable here: the frame keeps the bundle's name.
    }
    bundleMarkers.set(file, markers);
  }
  let found: string | undefined;
  for (const marker of markers) {
    if (marker.line > line) break;
    found = marker.module;
  }
  return found;
}

/** `url` relative to the repository or package; a line of berth's bundle (dist/) is named by its source module. */
function shortUrl(url: string, line?: number): string {
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("/node_modules/");
  if (nm >= 0) return clean.slice(nm + "/node_modules/".length);
  if (line !== undefined && clean.includes("/dist/")) {
    const module = bundledModule(clean, line);
    if (module) return module;
  }
  const src = clean.search(/\/(src|bench|generated)\//);
  if (src >= 0) return clean.slice(src + 1);
  return clean;
}

function owner(url: string, functionName: string, line: number): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native / V8 builtins)";
  const short = shortUrl(url, line);
  if (short.startsWith("src/") || short.startsWith("bench/")) return short;
  if (short.startsWith("node:internal/deps/undici")) return "undici (Node's fetch, Headers, web streams)";
  if (short.startsWith("node:internal/webstreams")) return "node:internal/webstreams";
  if (short.startsWith("node:")) return short.split("/").slice(0, 2).join("/");
  // Deno's own modules (ext:deno_web/..., ext:deno_node/...) and Bun's (builtin:..., internal:...).
  const scheme = /^([a-z]+):\/*([^/]*)/.exec(short);
  if (scheme) return `${scheme[1]}:${scheme[2]}`;
  const scoped = short.startsWith("@") ? short.split("/").slice(0, 2).join("/") : short.split("/")[0]!;
  return `${scoped} (package)`;
}

/** Summarizes a `.cpuprofile` file; `top` entries per list; `units` of work for per-unit times. */
export function summarizeProfile(file: string, options: { top?: number; units?: number } = {}): ProfileSummary {
  const { top = 12, units } = options;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const frameOf = (n: ProfileNode) =>
    `${shortUrl(n.callFrame.url, n.callFrame.lineNumber) || "(native)"}:${n.callFrame.functionName || "(anonymous)"}:${n.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  const owners = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    if (node.callFrame.functionName === "(idle)") return;
    busy += dt;
    const frame = frameOf(node);
    self.set(frame, (self.get(frame) ?? 0) + dt);
    const own = owner(node.callFrame.url, node.callFrame.functionName, node.callFrame.lineNumber);
    owners.set(own, (owners.get(own) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      if (!shortUrl(n.callFrame.url, n.callFrame.lineNumber).startsWith("src/")) continue;
      const f = frameOf(n);
      if (seen.has(f)) continue;
      seen.add(f);
      inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
    }
  });
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, t]) => ({ frame, pct: busy ? (t / busy) * 100 : 0, us: units ? t / units : undefined }));
  return { busyMs: busy / 1000, units, self: rank(self), berthInclusive: rank(inclusive), byOwner: rank(owners) };
}
