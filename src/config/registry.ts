/**
 * Registry names: which registry an image lives in and under which key its credentials are
 * stored. The rules are the docker CLI's and the distribution library's:
 *
 * - `registryOf`: distribution/reference `splitDockerDomain` — the first path component is a
 *   registry host only if it contains `.` or `:`, is `localhost`, or has an upper-case letter;
 *   otherwise the image is on Docker Hub (`docker.io`). `index.docker.io` is normalised to
 *   `docker.io` (its `legacyDefaultDomain`).
 * - `credentialKeyOf`: the CLI's `getAuthConfigKey` stores Docker Hub credentials under the
 *   index server `https://index.docker.io/v1/`; every other registry under its host[:port].
 *   berth also treats `registry-1.docker.io` (the Hub's registry API host) as Docker Hub.
 * - `convertToHostname`: docker/cli `credentials.ConvertToHostname`, so `https://r.example/v2/`
 *   and `r.example` name the same registry.
 */
import { InvalidOptionError } from "../errors.js";

/** The registry key Docker Hub credentials are stored under (the CLI's `IndexServer`). */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";
/** The registry domain of Docker Hub image references. */
export const DOCKER_HUB_DOMAIN = "docker.io";

const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * The registry host of an image reference: `busybox` → `docker.io`,
 * `registry.example.com:5000/team/app:1` → `registry.example.com:5000`.
 * @throws InvalidOptionError for an empty reference.
 */
export function registryOf(image: string): string {
  const name = image.trim();
  if (name === "") throw new InvalidOptionError("image", "must not be empty");
  const slash = name.indexOf("/");
  if (slash === -1) return DOCKER_HUB_DOMAIN;
  const first = name.slice(0, slash);
  const isHost = first.includes(".") || first.includes(":") || first === "localhost" || first.toLowerCase() !== first;
  if (!isHost) return DOCKER_HUB_DOMAIN;
  return first === "index.docker.io" ? DOCKER_HUB_DOMAIN : first;
}

/**
 * Strips scheme and path: `https://r.example:5000/v2/` → `r.example:5000`, `r.example/x` →
 * `r.example`. Mirrors the CLI's `ConvertToHostname`.
 */
export function convertToHostname(maybeUrl: string): string {
  const scheme = maybeUrl.indexOf("://");
  if (scheme !== -1) {
    const host = urlHost(maybeUrl.slice(scheme + 3));
    if (host !== "") return host;
  }
  const slash = maybeUrl.indexOf("/");
  return slash === -1 ? maybeUrl : maybeUrl.slice(0, slash);
}

/** True when `registry` (a host, URL or config key) names Docker Hub. */
export function isDockerHub(registry: string): boolean {
  if (registry === DOCKER_HUB_AUTH_KEY) return true;
  return HUB_HOSTS.has(convertToHostname(registry).toLowerCase());
}

/**
 * The config.json / credential-helper key for a registry: the index server URL for Docker Hub,
 * host[:port] for any other registry.
 */
export function credentialKeyOf(registry: string): string {
  const trimmed = registry.trim();
  if (trimmed === "") throw new InvalidOptionError("registry", "must not be empty");
  return isDockerHub(trimmed) ? DOCKER_HUB_AUTH_KEY : convertToHostname(trimmed);
}

/**
 * host[:port] of a URL's authority, as Go's `url.Hostname()` / `Port()` rejoined by
 * `net.JoinHostPort`: user info dropped, an empty port dropped, IPv6 kept in brackets only
 * when a port follows. Parsed by hand: WHATWG URL would drop default ports and lower-case the
 * host, which Go does not.
 */
function urlHost(afterScheme: string): string {
  const end = afterScheme.search(/[/?#]/);
  let authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
  const at = authority.lastIndexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  let host = authority;
  let port = "";
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return "";
    host = authority.slice(1, close);
    if (authority.startsWith(":", close + 1)) port = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon !== -1 && /^\d*$/.test(authority.slice(colon + 1))) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
    }
  }
  if (host === "") return "";
  if (port === "") return host;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
