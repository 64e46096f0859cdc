/**
 * Ports: the Go client's `Port` type (`"80/tcp"`, with `Port()` and `Proto()`) and
 * `NetworkSettings.PortMappingAPI()`, plus the checks `createContainer` runs on the port
 * keys of a configuration before anything is sent.
 */
import { InvalidPortSpecError } from "./errors.js";
import type { APIPort, HostConfig, NetworkSettings, PortBinding } from "./types.js";

/** A container port as the API keys it: `"<number>/<protocol>"`, e.g. `"80/tcp"`. */
export type Port = `${number}/${string}`;

/** A parsed port spec. */
export interface ParsedPort {
  port: number;
  /** Lower case; `tcp` when the spec named none. */
  protocol: string;
}

const PORT_SPEC = /^(\d{1,5})(?:\/([a-z]+))?$/i;

/** Parses a port number (1–65535), or undefined. */
function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Helpers for `Port` values, named after the Go type's methods. */
export const Port = {
  /**
   * Parses `"80/tcp"`, `"53/udp"` or `"8080"` (protocol `tcp`).
   * @throws InvalidPortSpecError for anything else.
   */
  parse(spec: string, option = "port"): ParsedPort {
    const match = PORT_SPEC.exec(spec.trim());
    const port = match ? portNumber(match[1]!) : undefined;
    if (!match || port === undefined) throw new InvalidPortSpecError(option, spec);
    return { port, protocol: (match[2] ?? "tcp").toLowerCase() };
  },
  /** Formats a port and protocol as the API keys it: `format(80)` is `"80/tcp"`. */
  format(port: number, protocol = "tcp"): Port {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidPortSpecError("port", String(port));
    if (!/^[a-z]+$/i.test(protocol)) {
      throw new InvalidPortSpecError("protocol", protocol, "expected a protocol name such as tcp, udp or sctp");
    }
    return `${port}/${protocol.toLowerCase()}` as Port;
  },
  /** The number part as a string, like Go's `Port.Port()`: for `"80/tcp"`, `"80"`. */
  port(spec: string): string {
    return String(Port.parse(spec).port);
  },
  /** The protocol part, like Go's `Port.Proto()`: for `"80/tcp"` and for `"80"`, `"tcp"`. */
  proto(spec: string): string {
    return Port.parse(spec).protocol;
  },
};

/** A listed port with the host address newer daemons add (`IP`). */
export type APIPortWithIP = APIPort & { IP?: string };

/**
 * The port bindings of an inspected container as the list entries of `listContainers` show
 * them: Go's `NetworkSettings.PortMappingAPI()`. A port without bindings gives one entry with
 * only `PrivatePort` and `Type`; a port with bindings gives one entry per binding.
 */
export function portMappingAPI(settings: Pick<NetworkSettings, "Ports"> | null | undefined): APIPortWithIP[] {
  const result: APIPortWithIP[] = [];
  const ports = settings?.Ports ?? {};
  for (const [spec, bindings] of Object.entries(ports)) {
    const { port, protocol } = Port.parse(spec, "NetworkSettings.Ports");
    if (!bindings || bindings.length === 0) {
      result.push({ PrivatePort: port, Type: protocol });
      continue;
    }
    for (const binding of bindings) {
      const entry: APIPortWithIP = { PrivatePort: port, Type: protocol };
      const publicPort = binding.HostPort ? portNumber(binding.HostPort) : undefined;
      if (publicPort !== undefined) entry.PublicPort = publicPort;
      if (binding.HostIp) entry.IP = binding.HostIp;
      result.push(entry);
    }
  }
  return result;
}

/** Checks the keys of `ExposedPorts`, `PortBindings` and the host ports of the bindings. */
export function checkPortSpecs(exposed: Record<string, unknown> | null | undefined, hostConfig: HostConfig | undefined): void {
  for (const spec of Object.keys(exposed ?? {})) Port.parse(spec, "config.ExposedPorts");
  const bindings = hostConfig?.PortBindings;
  for (const [spec, list] of Object.entries(bindings ?? {})) {
    Port.parse(spec, "hostConfig.PortBindings");
    for (const binding of (list ?? []) as PortBinding[]) {
      const hostPort = binding.HostPort;
      // Empty means "any free port"; a range ("8000-8010") is accepted by newer daemons.
      if (hostPort === undefined || hostPort === "") continue;
      const ok = /^\d{1,5}(-\d{1,5})?$/.test(hostPort) && hostPort.split("-").every((p) => portNumber(p) !== undefined);
      if (!ok) {
        throw new InvalidPortSpecError(
          "hostConfig.PortBindings.HostPort",
          hostPort,
          "expected a port number 1-65535, a range, or empty for any port",
        );
      }
    }
  }
}
