/**
 * Text formatting shared by the commands: aligned tables, byte sizes, relative times and short
 * ids, in the docker CLI's style (`docker ps`, `docker images`).
 */

/** Columns left-aligned and separated by three spaces, with a header row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** Decimal byte size with three significant digits: `1.23MB`, as the docker CLI prints sizes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : value.toPrecision(3).replace(/\.?0+$/, "");
  return `${text}${UNITS[unit]}`;
}

/** How long ago a Unix time (seconds) was: `3 seconds ago`, `2 hours ago`. */
export function formatAgo(unixSeconds: number | undefined, nowMs: number = Date.now()): string {
  if (unixSeconds === undefined || !Number.isFinite(unixSeconds) || unixSeconds <= 0) return "";
  return `${formatDuration(Math.max(0, nowMs / 1000 - unixSeconds))} ago`;
}

/**
 * A duration the way the docker CLI words it (its `HumanDuration`): `Less than a second`,
 * `1 second`, `About a minute`, `5 minutes`, `About an hour`, `30 hours`, `3 days`, `2 weeks`,
 * `5 months`, `3 years`; a unit is used from twice its size (47 hours, then 2 days).
 */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const minutes = Math.floor(s / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(s / 3600);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** The 12-character short form of an id, without a `sha256:` prefix. */
export function shortId(id: string | undefined): string {
  if (!id) return "";
  const bare = id.startsWith("sha256:") ? id.slice("sha256:".length) : id;
  return bare.slice(0, 12);
}

/** `text` cut to `max` characters with a trailing `…` when longer. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
