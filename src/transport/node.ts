/**
 * Node transport: berth's own HTTP/1.1 keep-alive client (http1-pool.ts) for requests,
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
import { Http1Pool } from "./http1-pool.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS, checkSignal } from "./options.js";
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
  const http = createHttp1Fetch(options, endpointText, isTls ? tlsOptions : undefined);
  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = checkSignal(connectOptions?.signal);
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

  return { endpoint, fetch: http.fetch, connect, close: http.close };
}

/**
 * `fetch` and `close` of a transport on berth's own HTTP/1.1 pool (http1-pool.ts), with the
 * transport options' defaults. Shared by Node, Bun and Deno (their `node:net` / `node:tls`).
 * @throws InvalidOptionError for a `maxSockets` that is not a positive integer.
 */
export function createHttp1Fetch(
  options: TransportOptions,
  endpointText: string,
  tlsOptions: tls.ConnectionOptions | undefined,
): Pick<Transport, "fetch" | "close"> {
  const maxSockets = options.maxSockets ?? 64;
  if (!Number.isSafeInteger(maxSockets) || maxSockets < 1) throw new InvalidOptionError("maxSockets", "must be a positive integer");
  const pool = new Http1Pool({
    endpoint: options.endpoint,
    endpointText,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: options.headersTimeoutMs ?? 0,
    responseTimeoutMs: options.responseTimeoutMs ?? 0,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    maxSockets,
    tls: tlsOptions,
  });
  return {
    fetch: (request: TransportRequest) => pool.fetch(request),
    close: async () => pool.close(),
  };
}

/** Node's TLS option names for berth's TLS options. */
export function nodeTlsOptions(options: NonNullable<import("../docker-host.js").TlsOptions>, host: string): tls.ConnectionOptions {
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
