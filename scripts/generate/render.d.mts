// Type declarations for render.mjs.
export declare const OUTPUT_FILES: readonly string[];
export declare const OPENAPI_TS_OPTIONS: Readonly<Record<string, unknown>>;
export declare function renderSchemaTs(doc: Record<string, any>, inputName: string): Promise<string>;
export declare function renderVersion(
  doc: Record<string, any>,
  options: { apiVersion: string; inputName: string; overlayName?: string },
): Promise<Record<string, string>>;
