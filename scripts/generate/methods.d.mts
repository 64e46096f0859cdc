// Type declarations for methods.mjs.
export declare const SINGULAR_GROUPS: ReadonlySet<string>;
export declare const RESERVED_OPTIONS: ReadonlySet<string>;
export declare const KINDS: ReadonlySet<string>;
export declare const INPUTS: ReadonlySet<string>;
export declare const EXTRAS: ReadonlySet<string>;
export declare function groupName(tag: string): string;
export declare function methodName(operationId: string, tag: string): string;
export declare function optionName(name: string, where: string): string;
export declare function validateKinds(kinds: unknown): string[];
export declare function applyKinds(doc: Record<string, any>, kinds: unknown): void;
export declare function buildMethodTable(doc: Record<string, any>): {
  groups: Record<string, Record<string, Record<string, unknown>>>;
  count: number;
};
export declare function renderMethodsTs(doc: Record<string, any>, options: { apiVersion: string; header: string }): string;
