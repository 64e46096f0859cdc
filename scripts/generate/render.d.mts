// Type declarations for render.mjs.
export declare const OUTPUT_FILES: readonly string[];
export declare const OUTPUT_FORMATS: readonly ("js" | "ts")[];
export declare function compileModules(sources: Record<string, string>, header?: string): Record<string, string>;
export declare const OPENAPI_TS_OPTIONS: Readonly<Record<string, unknown>>;
export declare function renderSchemaTs(doc: Record<string, any>, inputName: string): Promise<string>;
export declare function renderVersion(
  doc: Record<string, any>,
  options: { apiVersion: string; inputName: string; overlayName?: string; format?: "ts" | "js"; zod?: boolean },
): Promise<Record<string, string>>;
