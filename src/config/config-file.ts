/**
 * The docker CLI's configuration directory and its `config.json`, read the way the CLI
 * reads them (docker/cli `cli/config/config.go` and `configfile/file.go`):
 *
 * - the directory is `DOCKER_CONFIG` when set, else `$HOME/.docker`;
 * - a missing config.json is an empty configuration, not an error;
 * - keys are matched case-insensitively, as Go's `encoding/json` matches struct fields.
 *
 * Only the fields berth uses are kept: `auths`, `credsStore`, `credHelpers`, `currentContext`.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { DockerEnv } from "../env.js";
import { DockerConfigError } from "./errors.js";

/** One `auths` entry as stored in config.json. */
export interface StoredAuth {
  /** base64 of `username:password`. */
  auth?: string;
  username?: string;
  password?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The parts of config.json berth reads. */
export interface DockerConfigFile {
  /** Credentials by registry key (`https://index.docker.io/v1/`, `registry.example.com:5000`, ...). */
  auths: Record<string, StoredAuth>;
  /** Default credential helper suffix: `desktop` runs `docker-credential-desktop`. */
  credsStore?: string;
  /** Per-registry credential helper suffixes. */
  credHelpers: Record<string, string>;
  /** The context `docker context use` selected. */
  currentContext?: string;
}

/** The configuration directory: `configDir` if given, else `DOCKER_CONFIG`, else `$HOME/.docker`. */
export function resolveConfigDir(env: DockerEnv, configDir?: string): string {
  if (configDir) return configDir;
  if (env["DOCKER_CONFIG"]) return env["DOCKER_CONFIG"];
  // The CLI uses $HOME on unix; the runtime's idea of home is only the fallback.
  return join(env["HOME"] || homedir(), ".docker");
}

/**
 * Reads `<configDir>/config.json`. Missing file: empty configuration.
 * @throws DockerConfigError when the file is unreadable or not a JSON object. The message never
 *   quotes the file (it may hold credentials).
 */
export function readConfigFile(configDir: string): DockerConfigFile {
  const path = join(configDir, "config.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { auths: {}, credHelpers: {} };
    throw new DockerConfigError(path, `cannot read: ${(error as { code?: string }).code ?? "I/O error"}`);
  }
  return parseConfigJson(text, path);
}

/**
 * Parses config.json text (also the format of `DOCKER_AUTH_CONFIG`).
 * @throws DockerConfigError without quoting the text: JSON.parse messages include a snippet.
 */
export function parseConfigJson(text: string, where: string): DockerConfigFile {
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new DockerConfigError(where, "not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new DockerConfigError(where, "not a JSON object");
  const top = raw as Record<string, unknown>;
  const config: DockerConfigFile = { auths: {}, credHelpers: {} };

  const auths = field(top, "auths");
  if (isRecord(auths)) {
    for (const [key, value] of Object.entries(auths)) {
      if (!isRecord(value)) continue;
      const entry: StoredAuth = {};
      for (const name of ["auth", "username", "password", "email", "identitytoken", "registrytoken"] as const) {
        const v = field(value, name);
        if (typeof v === "string" && v !== "") entry[name] = v;
      }
      config.auths[key] = entry;
    }
  }
  const helpers = field(top, "credHelpers");
  if (isRecord(helpers)) {
    for (const [key, value] of Object.entries(helpers)) if (typeof value === "string" && value !== "") config.credHelpers[key] = value;
  }
  const store = field(top, "credsStore");
  if (typeof store === "string" && store !== "") config.credsStore = store;
  const current = field(top, "currentContext");
  if (typeof current === "string" && current !== "") config.currentContext = current;
  return config;
}

/** A JSON object's member by name, exact first, then ignoring case (Go's `encoding/json` rule). */
export function field(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
