// Type declarations for util.mjs (so TypeScript tests can import it under strict settings).
export declare const isPlainObject: (v: unknown) => v is Record<string, any>;
export declare const clone: <T>(v: T) => T;
export declare const byCodeUnit: (a: string, b: string) => number;
export declare function sortKeysDeep<T>(value: T, isRoot?: boolean): T;
export declare const stableJson: (value: unknown) => string;
export declare function parseApiVersion(text: unknown): string | undefined;
export declare function compareApiVersions(a: string, b: string): number;
export declare const tsHeader: (inputName: string) => string;
