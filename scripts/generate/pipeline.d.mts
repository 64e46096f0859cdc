// Type declarations for pipeline.mjs.
import type { BuildReport } from "./spec.mjs";
export declare const repoRoot: string;
export declare const defaultOverlay: string;
export declare function generateFiles(options: {
  source: string;
  version?: string;
  overlay?: string | null;
  cwd?: string;
  format?: "ts" | "js";
  zod?: boolean;
}): Promise<{ files: Record<string, string>; apiVersion: string; inputName: string; report: BuildReport }>;
export declare function writeFiles(dir: string, files: Record<string, string>): Promise<void>;
export declare function diffAgainst(dir: string, files: Record<string, string>): Promise<{ file: string; problem: string }[]>;
