/**
 * Filesystem change kinds of `containerChanges`: the Go client's `ChangeType` constants
 * (`ChangeModify` = 0, `ChangeAdd` = 1, `ChangeDelete` = 2) with readable names.
 */
import type { Change } from "./types.js";

/** The `Kind` of a `Change`. */
export const ChangeType = {
  Modify: 0,
  Add: 1,
  Delete: 2,
} as const;

/** One of the `ChangeType` values. */
export type ChangeType = (typeof ChangeType)[keyof typeof ChangeType];

/** The name of a change kind: `changeKindName(1)` is `"Add"`. Unknown kinds give `"Unknown"`. */
export function changeKindName(kind: number): keyof typeof ChangeType | "Unknown" {
  if (kind === ChangeType.Modify) return "Modify";
  if (kind === ChangeType.Add) return "Add";
  if (kind === ChangeType.Delete) return "Delete";
  return "Unknown";
}

/**
 * A change as `docker diff` prints it, like Go's `Change.String()`: `"C /etc"`, `"A /x"`,
 * `"D /tmp/y"`. A kind Go does not know gets no letter (`" /p"`), as there, not a `C` that
 * would claim a modification (issue 16 item 9).
 */
export function formatChange(change: Pick<Change, "Kind" | "Path">): string {
  const letter =
    change.Kind === ChangeType.Modify ? "C" : change.Kind === ChangeType.Add ? "A" : change.Kind === ChangeType.Delete ? "D" : "";
  return `${letter} ${change.Path}`;
}
