/**
 * Socket discovery: where a daemon's unix socket is on the machines people have, for when
 * neither `DOCKER_HOST` nor a docker context names one. Candidates, in this order (the first
 * that exists as a socket wins):
 *
 * | # | what | path |
 * | - | ---- | ---- |
 * | 1 | Docker (system daemon, the CLI's default) | `/var/run/docker.sock` |
 * | 2 | rootless Docker | `$XDG_RUNTIME_DIR/docker.sock` (else `/run/user/<uid>/docker.sock`) |
 * | 3 | Docker Desktop | `~/.docker/run/docker.sock` |
 * | 4 | Docker Desktop (before 4.13) | `~/.docker/desktop/docker.sock` |
 * | 5 | Colima | `$COLIMA_HOME/default/docker.sock` (`~/.colima/default/docker.sock`), then `~/.config/colima/default/docker.sock` |
 * | 6 | Rancher Desktop | `~/.rd/docker.sock` |
 * | 7 | OrbStack | `~/.orbstack/run/docker.sock` |
 * | 8 | Podman (rootful) | `/run/podman/podman.sock` |
 * | 9 | Podman (rootless) | `$XDG_RUNTIME_DIR/podman/podman.sock` (else `/run/user/<uid>/podman/podman.sock`) |
 *
 * Only the file is checked (it exists and is a socket); nothing is dialled. `~` is `HOME` from
 * the environment given, else the user's home directory.
 */
import { statSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { DockerError } from "../errors.js";
import type { DockerEnv } from "../env.js";

/** One place a daemon socket may be. */
export interface SocketCandidate {
  /** What would listen there, e.g. `rootless Docker`. */
  name: string;
  /** The socket path. */
  path: string;
}

/** What `discoverDockerSocket` found. */
export interface SocketDiscovery {
  /** The first candidate that exists as a socket; undefined when none does. */
  found: SocketCandidate | undefined;
  /** Every candidate looked at, in order (up to and including `found`). */
  tried: SocketCandidate[];
}

/** Options of socket discovery (tests put the system paths under a directory of their own). */
export interface DiscoveryOptions {
  /** Prefixed to the absolute system paths (`/var/run`, `/run`). Default: none. */
  root?: string | undefined;
  /** The user id for `/run/user/<uid>` when `XDG_RUNTIME_DIR` is unset. Default: the current user's. */
  uid?: number | undefined;
}

/** No candidate socket exists. The message lists every path tried. */
export class NoDockerSocketError extends DockerError {
  override name = "NoDockerSocketError";
  override readonly code = "ERR_NO_DOCKER_SOCKET";
  readonly tried: SocketCandidate[];
  constructor(tried: SocketCandidate[]) {
    super(
      `no Docker daemon socket found; set DOCKER_HOST (or a docker context). Tried: ${tried.map((c) => `${c.path} (${c.name})`).join(", ")}`,
    );
    this.tried = tried;
  }
}

/** The candidates for `env`, in the documented order (see the file comment). */
export function socketCandidates(env: DockerEnv, options: DiscoveryOptions = {}): SocketCandidate[] {
  const root = options.root ?? "";
  const system = (path: string) => (root ? join(root, path) : path);
  const home = env["HOME"] || safeHomedir();
  const runtimeDir = env["XDG_RUNTIME_DIR"] || system(`/run/user/${options.uid ?? safeUid()}`);
  const colimaHome = env["COLIMA_HOME"] || join(home, ".colima");
  return [
    { name: "Docker", path: system("/var/run/docker.sock") },
    { name: "rootless Docker", path: join(runtimeDir, "docker.sock") },
    { name: "Docker Desktop", path: join(home, ".docker", "run", "docker.sock") },
    { name: "Docker Desktop (before 4.13)", path: join(home, ".docker", "desktop", "docker.sock") },
    { name: "Colima", path: join(colimaHome, "default", "docker.sock") },
    { name: "Colima", path: join(home, ".config", "colima", "default", "docker.sock") },
    { name: "Rancher Desktop", path: join(home, ".rd", "docker.sock") },
    { name: "OrbStack", path: join(home, ".orbstack", "run", "docker.sock") },
    { name: "Podman (rootful)", path: system("/run/podman/podman.sock") },
    { name: "Podman (rootless)", path: join(runtimeDir, "podman", "podman.sock") },
  ];
}

/** Looks for the first candidate socket that exists; never throws. */
export function discoverDockerSocket(env: DockerEnv, options: DiscoveryOptions = {}): SocketDiscovery {
  const tried: SocketCandidate[] = [];
  for (const candidate of socketCandidates(env, options)) {
    tried.push(candidate);
    if (isSocket(candidate.path)) return { found: candidate, tried };
  }
  return { found: undefined, tried };
}

/**
 * The first candidate socket that exists.
 * @throws NoDockerSocketError listing every path tried.
 */
export function findDockerSocket(env: DockerEnv, options: DiscoveryOptions = {}): SocketCandidate {
  const { found, tried } = discoverDockerSocket(env, options);
  if (!found) throw new NoDockerSocketError(tried);
  return found;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return "/";
  }
}

function safeUid(): number | string {
  try {
    return userInfo().uid;
  } catch {
    return "0";
  }
}
