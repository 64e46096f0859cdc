/**
 * Connection options resolved the way the docker CLI picks its daemon, including docker
 * contexts. The order mirrors docker/cli `cli/command/cli.go` `resolveContextName`:
 *
 * 1. `DOCKER_HOST` set and non-empty: the `default` context, i.e. `DOCKER_HOST` plus the TLS
 *    variables (`DOCKER_TLS_VERIFY`, `DOCKER_TLS`, `DOCKER_CERT_PATH`);
 * 2. `DOCKER_CONTEXT` set and non-empty: that context;
 * 3. `currentContext` in `<DOCKER_CONFIG>/config.json`: that context;
 * 4. otherwise the `default` context: the variables and defaults (`unix:///var/run/docker.sock`);
 *    when that socket does not exist, socket discovery (discovery.ts: rootless Docker, Docker
 *    Desktop, Colima, Rancher Desktop, OrbStack, Podman) picks the first that does, and
 *    `source` is `socket discovery`.
 *
 * The context named `default` is never looked up in the store: it always means step 4's
 * variables and defaults. For any other context the endpoint and TLS files come from the
 * context store and the TLS variables are ignored, as in the CLI; `DOCKER_API_VERSION` applies
 * to every source (the CLI's `client.WithVersionFromEnv`).
 *
 * Reads only the environment it is given, never the process's own:
 * `fromEnv(process.env)` on Node and Bun, `fromEnv(Deno.env.toObject())` on Deno.
 */
import type { ConnectionOptions } from "../api.js";
import { connectionFromEnv, type DockerEnv } from "../env.js";
import { readConfigFile, resolveConfigDir } from "./config-file.js";
import { DEFAULT_CONTEXT_NAME, contextTlsOptions, loadContextEndpoint } from "./contexts.js";
import { discoverDockerSocket, type DiscoveryOptions, type SocketDiscovery } from "./discovery.js";

/** Which setting decided the endpoint. */
export type ConnectionSource = "DOCKER_HOST" | "DOCKER_CONTEXT" | "config.json currentContext" | "default" | "socket discovery";

/** What `fromEnv` resolved. */
export interface ResolvedConnection {
  /** Options for `createDockerApi` (or the client). */
  options: ConnectionOptions;
  /** The setting that won. */
  source: ConnectionSource;
  /** The context in use (`default` for the environment and defaults). */
  context: string;
  /** The configuration directory consulted (or that would have been). */
  configDir: string;
  /**
   * Socket discovery, when it ran (the default context without DOCKER_HOST): what it found
   * and every path it tried. With nothing found the host stays `unix:///var/run/docker.sock`.
   */
  discovery?: SocketDiscovery;
}

/** Options of `fromEnv`. */
export interface FromEnvOptions {
  /** Use this configuration directory instead of `DOCKER_CONFIG` / `$HOME/.docker`. */
  configDir?: string | undefined;
  /** Options of socket discovery, or `false` to keep `unix:///var/run/docker.sock` without looking. */
  discovery?: DiscoveryOptions | false | undefined;
}

/**
 * Resolves the daemon to talk to from `env`, docker contexts included.
 * @throws DockerContextNotFoundError when `DOCKER_CONTEXT` or `currentContext` names a missing context.
 * @throws DockerConfigError when config.json or the context's meta.json is malformed.
 * @throws InvalidEndpointError when the TLS variables point at unusable files.
 */
export function fromEnv(env: DockerEnv, options: FromEnvOptions = {}): ResolvedConnection {
  const configDir = resolveConfigDir(env, options.configDir);
  if (env["DOCKER_HOST"]) {
    return { options: connectionFromEnv(env), source: "DOCKER_HOST", context: DEFAULT_CONTEXT_NAME, configDir };
  }

  let name: string | undefined;
  let source: ConnectionSource = "default";
  if (env["DOCKER_CONTEXT"]) {
    name = env["DOCKER_CONTEXT"];
    source = "DOCKER_CONTEXT";
  } else {
    // config.json is read only when it can matter, so a broken one cannot get in DOCKER_HOST's way.
    const current = readConfigFile(configDir).currentContext;
    if (current) {
      name = current;
      source = "config.json currentContext";
    }
  }
  if (name === undefined || name === DEFAULT_CONTEXT_NAME) {
    const connection = connectionFromEnv(env);
    if (options.discovery === false) return { options: connection, source, context: DEFAULT_CONTEXT_NAME, configDir };
    const discovery = discoverDockerSocket(env, options.discovery);
    // The first candidate is the default socket itself: only another one changes the source.
    if (discovery.found && discovery.tried.length > 1) {
      connection.host = `unix://${discovery.found.path.replace(/%/g, "%25")}`;
      return { options: connection, source: "socket discovery", context: DEFAULT_CONTEXT_NAME, configDir, discovery };
    }
    return { options: connection, source, context: DEFAULT_CONTEXT_NAME, configDir, discovery };
  }

  const endpoint = loadContextEndpoint(configDir, name, source as "DOCKER_CONTEXT" | "config.json currentContext");
  const connection: ConnectionOptions = {};
  // An empty Host leaves the client on its default endpoint (load.go ClientOpts only sets a non-empty one).
  if (endpoint.host !== undefined) connection.host = endpoint.host;
  const tls = contextTlsOptions(endpoint);
  if (tls) connection.tls = tls;
  if (env["DOCKER_API_VERSION"]) connection.apiVersion = env["DOCKER_API_VERSION"];
  return { options: connection, source, context: name, configDir };
}
