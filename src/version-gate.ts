/**
 * The version gate: a call that the API version in use lacks fails before it is sent, with an
 * `UnsupportedInApiVersionError` naming the operation (or query parameter), the version it
 * appeared in and the version in use. What appeared when comes from the upstream documents
 * (src/versions/api-since.ts, written by scripts/generate/since.mjs from vendor/moby-api/).
 * Only lower bounds are checked, and only where the documents tell (after v1.25); the option
 * `versionCheck: false` turns the gate off.
 */
import type { Middleware } from "openapi-fetch";
import { UnsupportedInApiVersionError } from "./errors.js";
import { API_SINCE } from "./versions/api-since.js";
import { compareApiVersions, type ApiVersionPin } from "./version.js";

/** `UnsupportedInApiVersionError` for a call `apiVersion` lacks, else undefined. */
export function unsupportedCall(
  method: string,
  schemaPath: string,
  query: Record<string, unknown> | undefined,
  apiVersion: string,
): UnsupportedInApiVersionError | undefined {
  const operation = `${method.toUpperCase()} ${schemaPath}`;
  const since = API_SINCE.operations[operation];
  if (since !== undefined && compareApiVersions(apiVersion, since) < 0)
    return new UnsupportedInApiVersionError({ operation, since, apiVersion });
  const parameters = API_SINCE.parameters[operation];
  if (parameters === undefined || query === undefined) return undefined;
  for (const [parameter, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const parameterSince = parameters[parameter];
    if (parameterSince !== undefined && compareApiVersions(apiVersion, parameterSince) < 0) {
      return new UnsupportedInApiVersionError({ operation, parameter, since: parameterSince, apiVersion });
    }
  }
  return undefined;
}

/** The gate as openapi-fetch middleware; runs after the version prefix, so the version is known. */
export function versionGateMiddleware(pin: ApiVersionPin): Middleware {
  return {
    onRequest({ request, schemaPath, params }) {
      const version = pin.current;
      if (version === undefined) return undefined;
      const refused = unsupportedCall(request.method, schemaPath, params.query as Record<string, unknown> | undefined, version);
      if (refused) throw refused;
      return undefined;
    },
  };
}
