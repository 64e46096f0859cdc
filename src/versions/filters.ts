/**
 * Docker's list filters: the `filters` query parameter of container, image, network, volume
 * and event listings is a JSON-encoded `map[string][]string`. The generated types declare it
 * as a `string` (that is what goes on the wire), so this builds the string from an object.
 */

/** Filter values by filter name, e.g. `{ name: ["web"], label: ["tier=front"], status: ["running"] }`. */
export type DockerFilters = Record<string, readonly string[] | string | undefined>;

/**
 * Encodes filters for a `filters` query parameter. A single string counts as a one-element
 * list; names without values are left out.
 * @example api.GET("/containers/json", { params: { query: { all: true, filters: encodeFilters({ name: ["web"] }) } } })
 */
export function encodeFilters(filters: DockerFilters): string {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    const values = typeof value === "string" ? [value] : [...value];
    if (values.length > 0) out[name] = values;
  }
  return JSON.stringify(out);
}
