// Type declarations for schema-ir.mjs.
export type Presence = "required" | "optional" | "default";
export interface Property {
  name: string;
  node: Node;
  presence: Presence;
  default?: unknown;
}
export type Node =
  | { k: "unknown"; note?: string }
  | { k: "never" | "null" | "string" | "number" | "int" | "boolean" }
  | { k: "literal"; values: (string | number | boolean)[] }
  | { k: "array"; items: Node }
  | { k: "object"; props: Property[]; rest?: Node }
  | { k: "ref"; name: string }
  | { k: "union"; members: Node[] }
  | { k: "intersection"; left: Node; right: Node }
  | { k: "nullable"; inner: Node };
export declare const isPrimitive: (v: unknown) => v is string | number | boolean | null;
export declare function toIdentifier(name: string): string;
export declare function uniqueIdentifiers(
  names: Iterable<string>,
  options?: { prefix?: string; suffix?: string; reserved?: Iterable<string> },
): Map<string, string>;
export declare function summary(text: unknown): string;
export declare function schemaSummary(schema: unknown): string;
export declare function refName(ref: string): string | undefined;
export declare function collectRefs(schema: unknown, out?: Set<string>): Set<string>;
export declare function stronglyConnected(names: Iterable<string>, edges: Map<string, Iterable<string>>): string[][];
export declare function emissionOrder(schemas: Record<string, unknown>): string[][];
export declare class SchemaReader {
  constructor(schemas: Record<string, unknown>, options?: { root?: unknown });
  read(schema: unknown): Node;
}
