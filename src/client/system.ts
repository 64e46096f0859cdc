/**
 * System calls: `info` and `version` of the Go client, plus `ping` (v1.11) and `checkAuth`
 * (v1.10 `POST /auth`), which it lacked.
 */
import { InvalidOptionError } from "../errors.js";
import { SecretSet, redactErrorSecrets } from "../secrets.js";
import { parseJsonBody, withSignal, type CallOptions, type ClientContext } from "./context.js";
import { normalizeAuthCheck, normalizeInfo, normalizeVersion } from "./normalize.js";
import type { AuthCheckResult, AuthConfiguration, DockerInfo, DockerVersion } from "./types.js";

/** System-wide information. Go `Info` (which returned an untyped `engine.Env`). */
export async function info(context: ClientContext, options: CallOptions = {}): Promise<DockerInfo> {
  const { data } = await context.docker.api.GET("/info", { parseAs: "text", ...withSignal(options.signal) });
  const request = { method: "GET", path: "/info" };
  return normalizeInfo(parseJsonBody(data, request), request, context.docker.validation);
}

/** The daemon's version. Go `Version`. */
export async function version(context: ClientContext, options: CallOptions = {}): Promise<DockerVersion> {
  const { data } = await context.docker.api.GET("/version", { parseAs: "text", ...withSignal(options.signal) });
  const request = { method: "GET", path: "/version" };
  return normalizeVersion(parseJsonBody(data, request), request, context.docker.validation);
}

/** Checks that the daemon answers (`GET /_ping`, documented from API 1.11); resolves with its answer, `"OK"`. */
export async function ping(context: ClientContext, options: CallOptions = {}): Promise<string> {
  const { data } = await context.docker.api.GET("/_ping", { parseAs: "text", ...withSignal(options.signal) });
  return data ?? "";
}

/** Options of `checkAuth`. */
export interface CheckAuthOptions extends CallOptions {
  /** The credentials; `serveraddress` names the registry (Docker Hub without it). */
  auth: AuthConfiguration;
}

/**
 * Asks the daemon to log in to a registry with these credentials (`POST /auth`).
 * @throws DockerApiError when the registry refuses them (status 401 or 500, by daemon version).
 */
export async function checkAuth(context: ClientContext, options: CheckAuthOptions): Promise<AuthCheckResult> {
  if (typeof options.auth !== "object" || options.auth === null) throw new InvalidOptionError("auth", "credentials are required");
  const { data } = await context.docker.api.POST("/auth", { body: options.auth, parseAs: "text", ...withSignal(options.signal) });
  const request = { method: "POST", path: "/auth" };
  // The call's own errors are redacted by guardCalls; an answer that echoes the password is
  // redacted here, in the result and in the error of a malformed answer alike.
  const secrets = new SecretSet();
  secrets.addAuth(options.auth);
  try {
    return secrets.redactValue(normalizeAuthCheck(parseJsonBody(data, request), request, context.docker.validation)) as AuthCheckResult;
  } catch (error) {
    throw redactErrorSecrets(error, secrets);
  }
}
