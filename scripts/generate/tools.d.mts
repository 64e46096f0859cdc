// Type declarations for tools.mjs.
export declare const GENERATOR_TOOLS: readonly { readonly name: string; readonly major: number }[];
export declare const INSTALL_LINE: string;
export declare class GeneratorToolError extends Error {
  constructor(message: string, details: { tool: string; found?: string });
  readonly tool: string;
  readonly found: string | undefined;
}
export declare function installedVersion(name: string, fromDir: string): string | undefined;
export declare function checkGeneratorTools(fromDir?: string): Record<string, string | undefined>;
