/**
 * Node transport: berth's own HTTP/1.1 keep-alive client (node-http1.ts) for requests,
 * `node:net` / `node:tls` sockets for raw connections.
 *
 * Why neither Node's global fetch nor `node:http`: undici's fetch cannot dial a unix socket
 * without a custom dispatcher, and both it and `node:http` spend more client CPU per small
 * Docker call than the rest of berth does (bench/ has the side-by-side numbers).
 */
import net from "node:net";
import tls from "node:tls";
import { formatEndpoint } from "../docker-host.js";
import { DockerAbortError, InvalidEndpointError, InvalidOptionError } from "../errors.js";
import type { TransportRequest } from "./messages.js";
import { Http1Pool } from "./node-http1.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type RawConnection, type Transport, type TransportOptions } from "./types.js";
import { socketEndpoint } from "./types.js";

/** Creates the Node transport for one endpoint. */
export function createNodeTransport(options: TransportOptions): Transport {
  const endpoint = socketEndpoint(options.endpoint);
  const endpointText = formatEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const isTls = endpoint.kind === "tcp" && endpoint.tls !== undefined;
  const tlsOptions = endpoint.kind === "tcp" && endpoint.tls ? nodeTlsOptions(endpoint.tls, endpoint.host) : {};
  // Made once: unusable PEM is refused here as InvalidEndpointError (tls.connect would throw a
  // bare Error on every request), and every connection reuses the one context.
  if (isTls) tlsOptions.secureContext = checkedTlsMaterial(tlsOptions, endpointText);
  const maxSockets = options.maxSockets ?? 64;
  if (!Number.isSafeInteger(maxSockets) || maxSockets < 1) throw new InvalidOptionError("maxSockets", "must be a positive integer");
  const pool = new Http1Pool({
    endpoint,
    endpointText,
    connectTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs ?? 0,
    maxSockets,
    tls: isTls ? tlsOptions : undefined,
  });

  function fetch(request: TransportRequest): Promise<Response> {
    try {
      return pool.fetch(request);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = connectOptions?.signal;
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const socket: net.Socket =
      endpoint.kind === "unix"
        ? net.connect({ path: endpoint.socketPath, allowHalfOpen: true })
        : isTls
          ? tls.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true, ...tlsOptions } as tls.ConnectionOptions)
          : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    await waitForConnect(socket, { secure: isTls, connectTimeoutMs, signal, endpointText });
    socket.setNoDelay(true);
    return nodeSocketToRaw(socket, endpointText, signal);
  }

  async function close(): Promise<void> {
    pool.close();
  }

  return { endpoint, fetch, connect, close };
}

/** Node's TLS option names for berth's TLS options. */
function nodeTlsOptions(options: NonNullable<import("../docker-host.js").TlsOptions>, host: string): tls.ConnectionOptions {
  const result: tls.ConnectionOptions = { rejectUnauthorized: options.verify !== false };
  if (options.ca !== undefined) result.ca = toPem(options.ca);
  if (options.cert !== undefined) result.cert = toPem(options.cert);
  if (options.key !== undefined) result.key = toPem(options.key);
  // Always set: without it Node's agent takes the name to verify from the Host header
  // (`calculateServerName` in _http_agent), and "" for an IP makes tls.connect check the IP
  // itself against the certificate's IP SANs without sending SNI (which cannot carry an IP).
  result.servername = options.servername ?? (net.isIP(host) ? "" : host);
  return result;
}

/**
 * The secure context for the endpoint's CA, certificate and key.
 * @throws InvalidEndpointError when OpenSSL cannot use them (its message names the problem, never the PEM).
 */
export function checkedTlsMaterial(options: tls.SecureContextOptions, endpointText: string): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (error) {
    throw new InvalidEndpointError(
      endpointText,
      `its TLS material cannot be used (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
