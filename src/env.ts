/**
 * Connection options from the docker CLI's environment variables: `DOCKER_HOST`,
 * `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`, `DOCKER_API_VERSION`.
 *
 * Reads only what it is given: pass `process.env` (Node, Bun) or `Deno.env.toObject()`
 * explicitly; nothing is read from the environment behind the caller's back.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "./api.js";
import { DEFAULT_DOCKER_HOST, type TlsOptions } from "./docker-host.js";
import { InvalidEndpointError } from "./errors.js";

/** The variables `connectionFromEnv` reads. */
export type DockerEnv = Readonly<Record<string, string | undefined>>;

/**
 * Builds connection options the way the docker CLI reads its variables:
 * - `DOCKER_HOST` (default `unix:///var/run/docker.sock`);
 * - `DOCKER_TLS_VERIFY` set to anything but empty: TLS with verification, using `ca.pem`,
 *   `cert.pem` and `key.pem` from `DOCKER_CERT_PATH` (default `~/.docker`);
 * - `DOCKER_TLS` set to anything but empty (and no `DOCKER_TLS_VERIFY`): TLS with the client
 *   certificate from the same directory but without verifying the daemon, as the CLI's `--tls`;
 * - `DOCKER_API_VERSION`: pins the API version.
 */
export function connectionFromEnv(env: DockerEnv): ConnectionOptions {
  const host = env["DOCKER_HOST"] || DEFAULT_DOCKER_HOST;
  const verify = Boolean(env["DOCKER_TLS_VERIFY"]);
  const useTls = verify || Boolean(env["DOCKER_TLS"]);
  const options: ConnectionOptions = { host };
  if (useTls) options.tls = loadTlsDirectory(env["DOCKER_CERT_PATH"] || join(homedir(), ".docker"), verify);
  if (env["DOCKER_API_VERSION"]) options.apiVersion = env["DOCKER_API_VERSION"];
  return options;
}

/** Reads `ca.pem`, `cert.pem` and `key.pem` from a directory (each optional except as TLS needs). */
export function loadTlsDirectory(directory: string, verify: boolean): TlsOptions {
  const read = (file: string) => {
    try {
      return readFileSync(join(directory, file), "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return undefined;
      throw new InvalidEndpointError(directory, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const tls: TlsOptions = { verify, ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new InvalidEndpointError(directory, "cert.pem and key.pem must both be present or both absent");
  }
  if (verify && tls.ca === undefined) {
    throw new InvalidEndpointError(directory, "DOCKER_TLS_VERIFY is set but ca.pem is missing");
  }
  return tls;
}
