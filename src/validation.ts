/**
 * How answers are checked against the API document's shapes: one policy per client, chosen
 * with the `validation` option, the same for the raw client and `DockerClient`.
 *
 * - `tolerant` (default): an answer that matches is returned as is. One that does not is still
 *   returned when every mismatch is of a kind a real daemon produces while the document says
 *   otherwise and that code reading the answer handles: a `null` where the document allows none
 *   (Go writes nil slices, maps and pointers as `null`; the documents rarely say so) or an enum
 *   value the document does not list (a newer daemon). Those mismatches are reported through
 *   `onValidationIssue` (default: one `console.warn` per kind of answer and client). Any other
 *   mismatch (a wrong type, a missing required field) is an `InvalidResponseError`.
 * - `strict`: every mismatch is an `InvalidResponseError`.
 * - `off`: answers are not checked.
 *
 * Unknown fields are never a mismatch: the shapes are loose in every mode.
 */
import { InvalidOptionError, type RequestSummary } from "./errors.js";
import { InvalidResponseError } from "./client/errors.js";

/** One reason a value does not match its schema (the generated validators' issue type). */
export interface ResponseIssue {
  /** Keys and indices from the checked value down to the mismatch. */
  path: (string | number)[];
  /** zod's issue code, e.g. `invalid_type`. */
  code: string;
  /** zod's wording, e.g. `Invalid input: expected string, received null`. */
  message: string;
}

/** A generated validator (`validate<Name>` of any generated version). */
export type ResponseValidator<T> = (value: unknown, issues?: ResponseIssue[]) => value is T;

/** The validation modes; see the file comment. */
export type ValidationMode = "tolerant" | "strict" | "off";

/** What `onValidationIssue` is told: an answer that was returned although it does not match. */
export interface ValidationReport {
  /** What was being read, e.g. `"container inspect"`. */
  what: string;
  /** The mismatches (each tolerated, see the file comment). */
  issues: readonly ResponseIssue[];
  /** The request that got the answer, when known. */
  request?: RequestSummary | undefined;
}

/** The client options that choose the policy. */
export interface ValidationOptions {
  /** How answers are checked (default `"tolerant"`); see src/validation.ts. */
  validation?: ValidationMode | undefined;
  /** Told of every answer returned in tolerant mode despite a mismatch (default: warn once per kind of answer). */
  onValidationIssue?: ((report: ValidationReport) => void) | undefined;
}

/** A client's policy: checks one answer. */
export interface ResponseValidation {
  readonly mode: ValidationMode;
  /** `value` as `T`, or an `InvalidResponseError`, as the mode says. */
  check<T>(validate: ResponseValidator<T>, value: unknown, what: string, request?: RequestSummary): T;
}

const MODES: readonly ValidationMode[] = ["tolerant", "strict", "off"];

/**
 * True for the mismatches tolerant mode lets through: a `null` where the document allows none,
 * and a value outside a documented enum.
 */
export function isTolerableIssue(issue: ResponseIssue): boolean {
  if (issue.code === "invalid_value") return true;
  return issue.code === "invalid_type" && issue.message.endsWith("received null");
}

/** The policy for `options` (see the file comment). */
export function createResponseValidation(options: ValidationOptions = {}): ResponseValidation {
  const mode = options.validation ?? "tolerant";
  if (!MODES.includes(mode)) throw new InvalidOptionError("validation", `must be one of ${MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  const warned = new Set<string>();
  const report =
    options.onValidationIssue ??
    ((event: ValidationReport) => {
      if (warned.has(event.what)) return;
      warned.add(event.what);
      const first = event.issues[0];
      console.warn(
        `berth: the daemon's ${event.what} answer does not match the API document (${first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "?"}${event.issues.length > 1 ? `, and ${event.issues.length - 1} more` : ""}); returned as is (validation: "tolerant")`,
      );
    });
  return {
    mode,
    check<T>(validate: ResponseValidator<T>, value: unknown, what: string, request?: RequestSummary): T {
      if (mode === "off" || validate(value)) return value as T;
      const issues: ResponseIssue[] = [];
      validate(value, issues);
      if (mode === "tolerant" && issues.length > 0 && issues.every(isTolerableIssue)) {
        report({ what, issues, request });
        return value as T;
      }
      throw new InvalidResponseError(what, issues, { request });
    },
  };
}

/** Strict checking, for callers that have no client policy at hand. */
export const STRICT_VALIDATION: ResponseValidation = createResponseValidation({ validation: "strict" });
