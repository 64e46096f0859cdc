/**
 * Error text for tables and logs.
 */

/** One line of an error, for tables. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!.slice(0, 200);
}
