/**
 * Bun transport: berth's own HTTP/1.1 pool (http1-pool.ts) over Bun's `node:net` / `node:tls`
 * for requests, as on Node, and the same sockets for raw connections (Bun's `allowHalfOpen` +
 * `end()` half-close behaves as Node's; checked by the attach tests on Bun).
 *
 * Why not Bun's fetch (its `unix` and `tls` init options): per MB of a log or export stream it
 * cost more client CPU than dockerode on Bun, and it has no idle bound between body reads.
 */
import net from "node:net";
import tls from "node:tls";
import { formatEndpoint } from "../docker-host.js";
import { DockerAbortError } from "../errors.js";
import { checkedTlsMaterial, createHttp1Fetch, nodeTlsOptions } from "./node.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import { checkSignal } from "./options.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type RawConnection, type Transport, type TransportOptions } from "./types.js";
import { socketEndpoint } from "./types.js";

/** Creates the Bun transport for one endpoint. */
export function createBunTransport(options: TransportOptions): Transport {
  const endpoint = socketEndpoint(options.endpoint);
  const endpointText = formatEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const isTls = endpoint.kind === "tcp" && endpoint.tls !== undefined;
  const tlsOptions = endpoint.kind === "tcp" && endpoint.tls ? nodeTlsOptions(endpoint.tls, endpoint.host) : {};
  if (isTls) {
    // Unusable PEM: InvalidEndpointError now, rather than a bare Error from each connection.
    checkedTlsMaterial(tlsOptions, endpointText);
    // Bun takes the PEM itself (not a secure context) and sends no SNI without a servername.
    if (tlsOptions.servername === "") delete tlsOptions.servername;
  }
  const http = createHttp1Fetch(options, endpointText, isTls ? tlsOptions : undefined);

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = checkSignal(connectOptions?.signal);
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const socket =
      endpoint.kind === "unix"
        ? net.connect({ path: endpoint.socketPath, allowHalfOpen: true })
        : isTls
          ? tls.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, ...tlsOptions } as tls.ConnectionOptions)
          : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    await waitForConnect(socket, { secure: isTls, connectTimeoutMs, signal, endpointText });
    return nodeSocketToRaw(socket, endpointText, signal);
  }

  return { endpoint, fetch: http.fetch, connect, close: http.close };
}
