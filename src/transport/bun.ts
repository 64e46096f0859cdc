/**
 * Bun transport. Bun's fetch dials unix sockets through its `unix` init option and takes TLS
 * material through its `tls` init option (both Bun extensions, documented in Bun's fetch API).
 * Raw connections use Bun's `node:net`, whose `allowHalfOpen` + `end()` half-close behaves as
 * Node's (checked by the attach tests on Bun).
 */
import net from "node:net";
import tls from "node:tls";
import { formatEndpoint, type TlsOptions } from "../docker-host.js";
import { DockerAbortError } from "../errors.js";
import { createFetchBasedTransport } from "./fetch-based.js";
import { checkedTlsMaterial } from "./node.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type RawConnection, type Transport, type TransportOptions } from "./types.js";
import { socketEndpoint } from "./types.js";

/** Creates the Bun transport for one endpoint. */
export function createBunTransport(options: TransportOptions): Transport {
  const endpoint = socketEndpoint(options.endpoint);
  const endpointText = formatEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const tlsInit = endpoint.kind === "tcp" && endpoint.tls ? bunTls(endpoint.tls) : undefined;
  // Unusable PEM: InvalidEndpointError now, rather than a bare Error from each connection.
  if (endpoint.kind === "tcp" && endpoint.tls) {
    const { ca, cert, key } = endpoint.tls;
    checkedTlsMaterial(
      { ...(ca ? { ca: pem(ca) } : {}), ...(cert ? { cert: pem(cert) } : {}), ...(key ? { key: pem(key) } : {}) },
      endpointText,
    );
  }

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = connectOptions?.signal;
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const socket =
      endpoint.kind === "unix"
        ? net.connect({ path: endpoint.socketPath, allowHalfOpen: true })
        : endpoint.tls
          ? tls.connect({
              host: endpoint.host,
              port: endpoint.port,
              allowHalfOpen: true,
              rejectUnauthorized: endpoint.tls.verify !== false,
              ...(endpoint.tls.ca ? { ca: pem(endpoint.tls.ca) } : {}),
              ...(endpoint.tls.cert ? { cert: pem(endpoint.tls.cert) } : {}),
              ...(endpoint.tls.key ? { key: pem(endpoint.tls.key) } : {}),
              ...(endpoint.tls.servername
                ? { servername: endpoint.tls.servername }
                : net.isIP(endpoint.host)
                  ? {}
                  : { servername: endpoint.host }),
            } as tls.ConnectionOptions)
          : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    await waitForConnect(socket, { secure: endpoint.kind === "tcp" && endpoint.tls !== undefined, connectTimeoutMs, signal, endpointText });
    return nodeSocketToRaw(socket, endpointText, signal);
  }

  return createFetchBasedTransport(options, {
    fetch: (url, init) =>
      globalThis.fetch(url, {
        ...init,
        ...(endpoint.kind === "unix" ? { unix: endpoint.socketPath } : {}),
        ...(tlsInit ? { tls: tlsInit } : {}),
      } as RequestInit),
    connect,
    close: async () => {},
  });
}

function bunTls(options: TlsOptions): Record<string, unknown> {
  return {
    rejectUnauthorized: options.verify !== false,
    ...(options.ca ? { ca: pem(options.ca) } : {}),
    ...(options.cert ? { cert: pem(options.cert) } : {}),
    ...(options.key ? { key: pem(options.key) } : {}),
    ...(options.servername ? { serverName: options.servername } : {}),
  };
}

function pem(value: string | Uint8Array): string {
  return typeof value === "string" ? value : new TextDecoder().decode(value);
}
