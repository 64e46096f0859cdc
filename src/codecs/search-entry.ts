// Search hits in Docker's keys, for the clients of every version (issue 15).

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * One search hit in Docker's keys. podman 4.3's compatible `/images/search` answers with libpod's
 * own: `{Index, Name, Description, Stars, Official, Automated, Tag}`, the flags as `"[OK]"` or
 * `""`, `Name` with its index (`127.0.0.1:5000/app`). Such an entry gets `name`, `description`,
 * `star_count`, `is_official` and `is_automated` from those, and keeps the others (`Index`, `Tag`).
 * Docker's own entries are returned as they are.
 */
export function dockerSearchEntry(entry: unknown): unknown {
  if (!isRecord(entry) || "name" in entry || typeof entry["Name"] !== "string") return entry;
  const { Name, Description, Stars, Official, Automated, ...rest } = entry;
  const flag = (value: unknown) => (typeof value === "boolean" ? value : value === "[OK]");
  return {
    ...rest,
    name: Name,
    ...(typeof Description === "string" ? { description: Description } : {}),
    ...(typeof Stars === "number" ? { star_count: Stars } : {}),
    is_official: flag(Official),
    is_automated: flag(Automated),
  };
}
