// Type declarations for since.mjs.
export interface ApiSince {
  oldest: string;
  newest: string;
  operations: Record<string, string>;
  parameters: Record<string, Record<string, string>>;
}
export declare function computeSince(dir?: string): ApiSince;
