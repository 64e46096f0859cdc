// Type declarations for overlay.mjs.
export type FilterTerm = { path: string[]; op: "==" | "!=" | null; value?: unknown };
export type Selector = { kind: "name"; names: (string | number)[] } | { kind: "wild" } | { kind: "filter"; terms: FilterTerm[] };
export type Segment = { descendant: boolean; selector: Selector };
export type JsonNode = { value: unknown; parent: object | null; key: string | number | null; path: string };
export interface OverlayAction {
  target: string;
  description?: string;
  update?: unknown;
  remove?: boolean;
  "x-why"?: string;
  "x-min-version"?: string;
  "x-max-version"?: string;
  [extension: `x-${string}`]: unknown;
}
export interface OverlayDocument {
  overlay: string;
  info: { title: string; version: string };
  actions: OverlayAction[];
  [key: string]: unknown;
}
export interface OverlayLogEntry {
  index: number;
  action: OverlayAction;
  skipped: boolean;
  matches: number;
}
export declare function parseJsonPath(expr: string): Segment[];
export declare function queryJsonPath(doc: unknown, expr: string): JsonNode[];
export declare function mergeInto<T extends Record<string, any>>(target: T, update: Record<string, unknown>): T;
export declare function validateOverlay(overlay: unknown, options?: { requireRationale?: boolean }): string[];
export declare function applyOverlay(
  doc: Record<string, any>,
  overlay: OverlayDocument | Record<string, any>,
  options?: { version?: string; requireRationale?: boolean },
): OverlayLogEntry[];
