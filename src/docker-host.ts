/**
 * Parsing of `DOCKER_HOST`-style endpoint strings into a typed endpoint.
 *
 * Accepted forms (the docker CLI's): `unix:///path`, a bare absolute socket path,
 * `tcp://host:port`, `http://host:port`, `https://host:port`, each TCP form with an
 * optional base path, and `ssh://[user@]host[:port][/socket/path]`. `tcp://` means TLS when TLS
 * material is given.
 */
import { InvalidEndpointError } from "./errors.js";

/** TLS material and checks for an https endpoint. PEM strings or bytes. */
export interface TlsOptions {
  ca?: string | Uint8Array | undefined;
  cert?: string | Uint8Array | undefined;
  key?: string | Uint8Array | undefined;
  /**
   * Verify the daemon's certificate chain and host name. Defaults to true; turning it off
   * is an explicit opt-out (the docker CLI's `--tls` without `--tlsverify`).
   */
  verify?: boolean | undefined;
  /** Host name to check the certificate against, when it differs from the dialled host. */
  servername?: string | undefined;
}

/** A unix socket endpoint. */
export interface UnixEndpoint {
  kind: "unix";
  socketPath: string;
}

/** A TCP endpoint, plain or TLS. */
export interface TcpEndpoint {
  kind: "tcp";
  host: string;
  port: number;
  tls: TlsOptions | undefined;
  /** Base path prefixed to every request path, without a trailing slash ("" for none). */
  basePath: string;
}

/**
 * A daemon reached through the system `ssh` binary: each connection is an
 * `ssh ... docker system dial-stdio` process (the docker CLI's way), so ~/.ssh/config, the
 * agent, ProxyJump and known_hosts apply as they do for `ssh` itself.
 */
export interface SshEndpoint {
  kind: "ssh";
  host: string;
  /** Undefined: ssh's own default (its config, else 22). */
  port: number | undefined;
  /** Undefined: ssh's own default (its config, else the local user). */
  user: string | undefined;
  /** The daemon socket on the remote host; undefined for the remote docker CLI's default. */
  socketPath: string | undefined;
}

/** Where the daemon is. */
export type Endpoint = UnixEndpoint | TcpEndpoint | SshEndpoint;

/** The default endpoint of a Linux daemon. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

const DEFAULT_PLAIN_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

/**
 * Parses a `DOCKER_HOST`-style string. `tls` turns `tcp://` into TLS and is kept for
 * `https://`; it is ignored for unix sockets and ssh.
 * @throws InvalidEndpointError for anything berth cannot dial.
 */
export function parseDockerHost(host: string, tls?: TlsOptions): Endpoint {
  const raw = host.trim();
  if (raw === "") throw new InvalidEndpointError(host, "empty endpoint");
  // Any C0 control character or DEL: URL parsing would silently drop tabs, and NUL/CR/LF would
  // reach socket paths and request heads.
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new InvalidEndpointError(host, "control characters are not allowed");
  if (raw.startsWith("/")) return { kind: "unix", socketPath: raw };

  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!schemeMatch) throw new InvalidEndpointError(host, "expected unix://, tcp://, http://, https:// or an absolute socket path");
  const scheme = schemeMatch[1]!.toLowerCase();
  const rest = raw.slice(schemeMatch[0].length);

  if (scheme === "unix") {
    if (!rest.startsWith("/")) throw new InvalidEndpointError(host, "unix socket path must be absolute (unix:///path)");
    let socketPath: string;
    try {
      socketPath = decodeURIComponent(rest);
    } catch {
      throw new InvalidEndpointError(host, "malformed percent-encoding in the socket path");
    }
    // Checked again after decoding: %00 or %0A must not smuggle a control character in.
    if (/[\x00-\x1f\x7f]/.test(socketPath)) throw new InvalidEndpointError(host, "control characters are not allowed");
    return { kind: "unix", socketPath };
  }
  if (scheme === "npipe") throw new InvalidEndpointError(host, "Windows named pipes are not supported");
  // TLS options are ignored, as for unix sockets: ssh encrypts the connection itself.
  if (scheme === "ssh") return parseSshHost(host, rest);
  if (scheme !== "tcp" && scheme !== "http" && scheme !== "https") {
    throw new InvalidEndpointError(host, `unsupported scheme ${scheme}://`);
  }

  let url: URL;
  try {
    url = new URL(`http://${rest}`);
  } catch {
    throw new InvalidEndpointError(host, "malformed host or port");
  }
  if (url.username || url.password) throw new InvalidEndpointError(host, "credentials in the endpoint URL are not supported");
  if (url.search || url.hash) throw new InvalidEndpointError(host, "query strings and fragments are not allowed");
  if (!url.hostname) throw new InvalidEndpointError(host, "missing host");

  const useTls = scheme === "https" || (scheme === "tcp" && tls !== undefined);
  if (scheme === "http" && tls !== undefined) {
    throw new InvalidEndpointError(host, "TLS options given for a plain http:// endpoint");
  }
  const port = url.port ? Number(url.port) : useTls ? DEFAULT_TLS_PORT : DEFAULT_PLAIN_PORT;
  // URL keeps IPv6 hosts in brackets; socket APIs want them bare.
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const basePath = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  return { kind: "tcp", host: hostname, port, tls: useTls ? privateTls(tls) : undefined, basePath };
}

/** The docker CLI's rules for `ssh://` (cli/connhelper/ssh): user, host, port and path; nothing else. */
function parseSshHost(host: string, rest: string): SshEndpoint {
  let url: URL;
  try {
    url = new URL(`ssh://${rest}`);
  } catch {
    throw new InvalidEndpointError(host, "malformed ssh:// URL");
  }
  if (url.password) throw new InvalidEndpointError(host, "passwords in ssh:// URLs are not supported; use an ssh key or the ssh agent");
  if (url.search || url.hash) throw new InvalidEndpointError(host, "query strings and fragments are not allowed in ssh:// URLs");
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostname) throw new InvalidEndpointError(host, "missing host");
  let user: string | undefined;
  let socketPath: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
    socketPath = url.pathname && url.pathname !== "/" ? decodeURIComponent(url.pathname) : undefined;
  } catch {
    throw new InvalidEndpointError(host, "malformed percent-encoding in the ssh:// URL");
  }
  // ssh would read a leading "-" as an option; berth passes "--" too, but refuses it plainly.
  if (hostname.startsWith("-") || user?.startsWith("-")) throw new InvalidEndpointError(host, "host and user must not start with '-'");
  if (user !== undefined && !/^[^\s\x00-\x1f\x7f@:/]+$/.test(user))
    throw new InvalidEndpointError(host, "the user name has characters ssh cannot take");
  if (socketPath !== undefined && /[\x00-\x1f\x7f\s'"\\$`]/.test(socketPath)) {
    throw new InvalidEndpointError(host, "the remote socket path has characters that cannot be passed through a remote shell");
  }
  return { kind: "ssh", host: hostname, port: url.port ? Number(url.port) : undefined, user, socketPath };
}

/** The `Host` header for requests to an endpoint (sockets and ssh tunnels have no host name of their own). */
export function hostHeaderOf(endpoint: Endpoint): string {
  return endpoint.kind === "tcp" ? `${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}` : "docker";
}

/**
 * A copy of the TLS options whose private key stays out of debug output: `util.inspect` (Node,
 * Bun), `Deno.inspect` and `JSON.stringify` of a client (its transport keeps the endpoint) show
 * `key: "[redacted]"`. The hooks are non-enumerable, so a spread copy has only the options.
 */
function privateTls(tls: TlsOptions | undefined): TlsOptions {
  const copy: TlsOptions = { ...(tls ?? {}) };
  const shown = () => ({ ...copy, ...(copy.key !== undefined ? { key: "[redacted]" } : {}) });
  for (const hook of [Symbol.for("nodejs.util.inspect.custom"), Symbol.for("Deno.customInspect"), "toJSON"]) {
    Object.defineProperty(copy, hook, { value: shown, enumerable: false });
  }
  return copy;
}

/** Renders an endpoint back into its canonical string (for messages; never includes key material). */
export function formatEndpoint(endpoint: Endpoint): string {
  // `%` is escaped because parseDockerHost percent-decodes unix:// paths: the result parses back to the same path.
  if (endpoint.kind === "unix") return `unix://${endpoint.socketPath.replace(/%/g, "%25")}`;
  if (endpoint.kind === "ssh") {
    const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
    const user = endpoint.user !== undefined ? `${encodeURIComponent(endpoint.user)}@` : "";
    const port = endpoint.port !== undefined ? `:${endpoint.port}` : "";
    return `ssh://${user}${host}${port}${endpoint.socketPath ?? ""}`;
  }
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.tls ? "https" : "tcp"}://${host}:${endpoint.port}${endpoint.basePath}`;
}
