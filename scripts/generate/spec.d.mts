// Type declarations for spec.mjs.
import type { OverlayLogEntry } from "./overlay.mjs";
export type OpenAPIDocument = Record<string, any>;
export declare const isUrl: (s: string) => boolean;
export declare function sourceName(source: string): string;
export declare function parseDocument(text: string, name?: string): any;
export declare function readSource(source: string, options?: { cwd?: string }): Promise<string>;
export declare function detectApiVersion(doc: unknown): string | undefined;
export declare const isSwagger2: (doc: unknown) => boolean;
export declare const isOpenApi3: (doc: unknown) => boolean;
export declare function fixRefSiblings(doc: OpenAPIDocument): string[];
export declare function convertSwagger2(
  doc: OpenAPIDocument,
): Promise<{ openapi: OpenAPIDocument; patches: number; refSiblingFixes: string[] }>;
export interface BuildReport {
  converted: boolean;
  patches: number;
  refSiblingFixes: string[];
  overlayLog: OverlayLogEntry[];
}
export declare function buildDocument(options: {
  source: string;
  cwd?: string;
  version?: string;
  overlay?: string | null;
}): Promise<{ doc: OpenAPIDocument; apiVersion: string; inputName: string; report: BuildReport }>;
