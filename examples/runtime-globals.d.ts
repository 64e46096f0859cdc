// The little of Deno's and Bun's globals the runtime-specific examples use, so that
// `tsc -p examples` checks them with Node's types (scripts/check-docs.ts).
declare const Deno: { env: { toObject(): Record<string, string> }; version: { deno: string } };
declare const Bun: { env: Record<string, string | undefined>; version: string };
