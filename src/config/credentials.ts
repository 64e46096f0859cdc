/**
 * Registry credentials from the docker CLI's configuration, looked up as the CLI does
 * (docker/cli `configfile/file.go` `GetCredentialsStore`, `credentials/file_store.go`,
 * `credentials/native_store.go`):
 *
 * 1. `DOCKER_AUTH_CONFIG` (config.json-shaped JSON in the environment) first, falling back to
 *    the stores below when it has no entry; an unparsable value is ignored, as by the CLI;
 * 2. the helper for the registry: `credHelpers[<key>]`, else `credsStore`, run as
 *    `docker-credential-<name> get` with the key on stdin. When the helper has no credentials
 *    the `auths` entry is used, as the CLI's native store starts from the file store's entry;
 * 3. without a helper, the `auths` entry: the exact key, else the first key whose host
 *    (`ConvertToHostname`) is the registry — the CLI's "legacy" key match.
 *
 * The key is `https://index.docker.io/v1/` for Docker Hub (reached as `docker.io`,
 * `index.docker.io`, `registry-1.docker.io` or that URL) and host[:port] for other registries.
 * berth additionally accepts Hub entries and `credHelpers` written under a Hub alias
 * (`"docker.io": {...}`), which the CLI would not find; exact keys always win.
 *
 * config.json is re-read on every lookup, so a `docker login` made meanwhile is seen.
 */
import type { DockerEnv } from "../env.js";
import { parseConfigJson, readConfigFile, resolveConfigDir, type DockerConfigFile, type StoredAuth } from "./config-file.js";
import {
  DEFAULT_HELPER_TIMEOUT_MS,
  getFromHelper,
  listFromHelper,
  spawnCredentialHelper,
  type RunCredentialHelper,
} from "./credential-helper.js";
import { DockerConfigError } from "./errors.js";
import { credentialKeyOf, registryOf } from "./registry.js";

/**
 * Credentials for one registry, in the shape the Engine API takes in `X-Registry-Auth`
 * (its `AuthConfig`): lower-case field names, all optional.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  email?: string;
  /** The registry the credentials are for: the config key (`https://index.docker.io/v1/` for Docker Hub). */
  serveraddress?: string;
  /** An OAuth identity token, used instead of username/password. */
  identitytoken?: string;
  /** A bearer token for the registry, sent as is. */
  registrytoken?: string;
}

/** Options of `createCredentialStore`. */
export interface CredentialStoreOptions {
  /** Configuration directory; default `DOCKER_CONFIG` from `env`, else `$HOME/.docker`. */
  configDir?: string | undefined;
  /**
   * Environment for `DOCKER_CONFIG`, `HOME`, `DOCKER_AUTH_CONFIG` and the helpers' own environment
   * (their `PATH` lookup included). When omitted no variable is read and helpers inherit the
   * process environment.
   */
  env?: DockerEnv | undefined;
  /** Runs a credential helper; default spawns it with `node:child_process`. */
  runHelper?: RunCredentialHelper | undefined;
  /** Kill a helper that has not answered after this many milliseconds (default 60 000). */
  helperTimeoutMs?: number | undefined;
}

/** Looks up registry credentials. */
export interface CredentialStore {
  /** The configuration directory in use. */
  readonly configDir: string;
  /**
   * Credentials for a registry (`docker.io`, `registry.example.com:5000`, `https://r.example/v2/`).
   * @returns undefined when none are configured.
   * @throws CredentialHelperError when a configured helper fails; DockerConfigError for a broken config.json.
   */
  get(registry: string): Promise<RegistryAuth | undefined>;
  /** Credentials for the registry an image reference points at (`registryOf(image)`). */
  forImage(image: string): Promise<RegistryAuth | undefined>;
  /**
   * Every configured registry's credentials by config key: the `X-Registry-Config` map of
   * `POST /build` (the CLI's `GetAllCredentials`: the default store's entries — `credsStore`'s
   * `list`, else `auths` — then each `credHelpers` registry, then `DOCKER_AUTH_CONFIG`).
   * A `credHelpers` helper that fails is skipped, as the CLI warns and goes on; a failing
   * `credsStore` fails the call.
   */
  all(): Promise<Record<string, RegistryAuth>>;
}

/** Creates a credential store over the docker CLI's configuration. */
export function createCredentialStore(options: CredentialStoreOptions = {}): CredentialStore {
  const env = options.env;
  const configDir = resolveConfigDir(env ?? {}, options.configDir);
  const run = options.runHelper ?? spawnCredentialHelper;
  const timeoutMs = options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;

  const get = async (registry: string): Promise<RegistryAuth | undefined> => {
    const key = credentialKeyOf(registry);
    const fromEnvironment = authConfigFromEnv(env);
    if (fromEnvironment) {
      const found = findAuth(fromEnvironment.auths, key);
      const auth = found ? envAuth(found.key, found.entry) : undefined;
      if (auth && hasCredentials(auth)) return auth;
    }

    const config = readConfigFile(configDir);
    const stored = findAuth(config.auths, key);
    const fromFile = stored ? fileAuth(stored.key, stored.entry, `${configDir}/config.json`) : undefined;
    const helper = helperFor(config, key);
    if (helper === undefined) return fromFile && hasCredentials(fromFile) ? fromFile : undefined;

    const fromHelper = await getFromHelper(helper, key, run, env, timeoutMs);
    if (fromHelper === undefined) return fromFile && hasCredentials(fromFile) ? fromFile : undefined;
    const auth: RegistryAuth = { ...fromHelper, serveraddress: key };
    if (fromFile?.email) auth.email = fromFile.email;
    return hasCredentials(auth) ? auth : undefined;
  };

  const all = async (): Promise<Record<string, RegistryAuth>> => {
    const config = readConfigFile(configDir);
    const where = `${configDir}/config.json`;
    const result: Record<string, RegistryAuth> = {};
    const withEmail = (key: string, auth: RegistryAuth) => {
      const email = config.auths[key]?.email;
      return email ? { ...auth, email } : auth;
    };
    if (config.credsStore !== undefined) {
      for (const url of await listFromHelper(config.credsStore, run, env, timeoutMs)) {
        const found = await getFromHelper(config.credsStore, url, run, env, timeoutMs);
        const auth = found && withEmail(url, { ...found, serveraddress: url });
        if (auth && hasCredentials(auth)) result[url] = auth;
      }
    } else {
      for (const [key, entry] of Object.entries(config.auths)) {
        const auth = fileAuth(key, entry, where);
        if (hasCredentials(auth)) result[key] = auth;
      }
    }
    for (const [key, helper] of Object.entries(config.credHelpers)) {
      try {
        const found = await getFromHelper(helper, key, run, env, timeoutMs);
        const auth = found && withEmail(key, { ...found, serveraddress: key });
        if (auth && hasCredentials(auth)) result[key] = auth;
      } catch {
        // configfile.GetAllCredentials logs "Failed to get credentials for registry" and goes on.
      }
    }
    const fromEnvironment = authConfigFromEnv(env);
    for (const [key, entry] of Object.entries(fromEnvironment?.auths ?? {})) {
      const auth = envAuth(key, entry);
      if (auth && hasCredentials(auth)) result[key] = auth;
    }
    return result;
  };

  return {
    configDir,
    get,
    forImage: (image) => get(registryOf(image)),
    all,
  };
}

/** `DOCKER_AUTH_CONFIG`, when set and parsable. */
function authConfigFromEnv(env: DockerEnv | undefined): DockerConfigFile | undefined {
  const value = env?.["DOCKER_AUTH_CONFIG"];
  if (!value) return undefined;
  try {
    return parseConfigJson(value, "DOCKER_AUTH_CONFIG");
  } catch {
    // configfile.GetCredentialsStore ignores a DOCKER_AUTH_CONFIG it cannot load.
    return undefined;
  }
}

/** A `DOCKER_AUTH_CONFIG` entry; one whose `auth` does not decode is skipped, as the CLI skips the whole variable. */
function envAuth(key: string, entry: StoredAuth): RegistryAuth | undefined {
  try {
    return fileAuth(key, entry, "DOCKER_AUTH_CONFIG");
  } catch {
    return undefined;
  }
}

/** The helper suffix for a key: `credHelpers` (exact key, then a key naming the same registry), else `credsStore`. */
function helperFor(config: DockerConfigFile, key: string): string | undefined {
  const exact = config.credHelpers[key];
  if (exact !== undefined) return exact;
  for (const [registry, helper] of Object.entries(config.credHelpers)) {
    if (sameRegistry(registry, key)) return helper;
  }
  return config.credsStore;
}

function findAuth(auths: Record<string, StoredAuth>, key: string): { key: string; entry: StoredAuth } | undefined {
  const exact = auths[key];
  if (exact !== undefined) return { key, entry: exact };
  for (const [name, entry] of Object.entries(auths)) if (sameRegistry(name, key)) return { key: name, entry };
  return undefined;
}

function sameRegistry(configKey: string, key: string): boolean {
  try {
    return credentialKeyOf(configKey) === key;
  } catch {
    return false;
  }
}

/** An `auths` entry as credentials; `auth` (base64 `user:password`) wins over plain fields, as in `LoadFromReader`. */
function fileAuth(key: string, entry: StoredAuth, where: string): RegistryAuth {
  const auth: RegistryAuth = { serveraddress: key };
  if (entry.auth !== undefined) {
    const decoded = decodeAuth(entry.auth, `${where} auths[${JSON.stringify(key)}]`);
    auth.username = decoded.username;
    auth.password = decoded.password;
  } else {
    if (entry.username !== undefined) auth.username = entry.username;
    if (entry.password !== undefined) auth.password = entry.password;
  }
  if (entry.email !== undefined) auth.email = entry.email;
  if (entry.identitytoken !== undefined) auth.identitytoken = entry.identitytoken;
  if (entry.registrytoken !== undefined) auth.registrytoken = entry.registrytoken;
  return auth;
}

/**
 * Decodes config.json's `auth`: standard base64 of `username:password`, NULs trimmed from the
 * password, a username required (configfile `decodeAuth`).
 * @throws DockerConfigError naming the entry, never its content.
 */
export function decodeAuth(value: string, where: string): { username: string; password: string } {
  let text: string;
  try {
    const binary = atob(value);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DockerConfigError(where, "auth is not valid base64");
  }
  const colon = text.indexOf(":");
  if (colon <= 0) throw new DockerConfigError(where, "auth is not base64 of username:password");
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/^\0+|\0+$/g, "") };
}

function hasCredentials(auth: RegistryAuth): boolean {
  return Boolean(auth.username || auth.password || auth.identitytoken || auth.registrytoken);
}
