/**
 * Deno transport. Plain requests to a unix socket or plain TCP go through berth's own HTTP/1.1
 * pool (http1-pool.ts) over Deno's `node:net`, as on Node: Deno's fetch (over an HTTP client
 * made by `Deno.createHttpClient`) cost about three times dockerode's client CPU per MB of a
 * log stream there, and has no idle bound between body reads. TLS requests stay on that fetch,
 * which takes the TLS material through the HTTP client. Raw connections use `Deno.connect` /
 * `Deno.connectTls`, whose `closeWrite()` is the half-close.
 *
 * Deno offers no per-client switch to skip certificate verification: `verify: false` is
 * refused here with a clear error (run Deno with `--unsafely-ignore-certificate-errors`).
 */
import net from "node:net";
import { formatEndpoint, type TlsOptions } from "../docker-host.js";
import { DockerAbortError, DockerTimeoutError, InvalidEndpointError, connectionErrorFrom } from "../errors.js";
import { createFetchBasedTransport } from "./fetch-based.js";
import { createHttp1Fetch } from "./node.js";
import { nodeSocketToRaw, waitForConnect } from "./node-socket.js";
import { checkSignal } from "./options.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type RawConnection, type Transport, type TransportOptions } from "./types.js";
import { socketEndpoint } from "./types.js";

/** The part of the Deno namespace berth uses; declared here so the package type-checks under Node. */
interface DenoConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  closeWrite(): Promise<void>;
  close(): void;
  /** TLS connections only. */
  handshake?(): Promise<unknown>;
}
interface DenoNamespace {
  createHttpClient(options: Record<string, unknown>): { close(): void };
  connect(options: Record<string, unknown>): Promise<DenoConn>;
  connectTls(options: Record<string, unknown>): Promise<DenoConn>;
}

function deno(): DenoNamespace {
  return (globalThis as unknown as { Deno: DenoNamespace }).Deno;
}

/** Creates the Deno transport for one endpoint. */
export function createDenoTransport(options: TransportOptions): Transport {
  const endpoint = socketEndpoint(options.endpoint);
  const endpointText = formatEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const tlsOptions = endpoint.kind === "tcp" ? endpoint.tls : undefined;
  if (tlsOptions?.verify === false) {
    throw new InvalidEndpointError(endpointText, "Deno cannot skip TLS verification per client; use --unsafely-ignore-certificate-errors");
  }
  let client: { close(): void } | undefined;
  try {
    if (tlsOptions) client = deno().createHttpClient(denoTls(tlsOptions));
  } catch (error) {
    // Deno checks the PEM here (InvalidData: "No certificates found ..."); its message never quotes it.
    throw new InvalidEndpointError(
      endpointText,
      `its TLS material cannot be used (${error instanceof Error ? error.message : String(error)})`,
    );
  }

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = checkSignal(connectOptions?.signal);
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    if (!tlsOptions) {
      const socket =
        endpoint.kind === "unix"
          ? net.connect({ path: endpoint.socketPath, allowHalfOpen: true })
          : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
      await waitForConnect(socket, { secure: false, connectTimeoutMs, signal, endpointText });
      return nodeSocketToRaw(socket, endpointText, signal);
    }
    // Deno.connectTls resolves once TCP is connected; the handshake runs on first use. It is
    // awaited here so that the connect timeout (and the abort) cover it, as on Node and Bun,
    // and a connection given up on is closed even if it is still half-way through.
    let givenUp = false;
    let opened: DenoConn | undefined;
    const dial = (async () => {
      const conn = await (endpoint.kind === "unix"
        ? deno().connect({ transport: "unix", path: endpoint.socketPath })
        : tlsOptions
          ? deno().connectTls({ hostname: endpoint.host, port: endpoint.port, ...denoConnTls(tlsOptions) })
          : deno().connect({ hostname: endpoint.host, port: endpoint.port }));
      opened = conn;
      if (!givenUp && conn.handshake) await conn.handshake();
      if (givenUp) throw new DockerAbortError();
      return conn;
    })();
    dial.catch(() => {}); // settled through the race below
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const guard = new Promise<never>((_, reject) => {
      if (connectTimeoutMs > 0) timer = setTimeout(() => reject(new DockerTimeoutError("connect", connectTimeoutMs)), connectTimeoutMs);
      onAbort = () => reject(new DockerAbortError({ cause: signal?.reason }));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    let conn: DenoConn;
    try {
      conn = await Promise.race([dial, guard]);
    } catch (error) {
      givenUp = true;
      try {
        opened?.close();
      } catch {
        // already closed by the runtime
      }
      dial.then(
        (late) => late.close(),
        () => {},
      );
      throw error instanceof DockerAbortError || error instanceof DockerTimeoutError ? error : connectionErrorFrom(error, endpointText);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
    return denoConnToRaw(conn, endpointText, signal);
  }

  if (!client) {
    const http = createHttp1Fetch(options, endpointText, undefined);
    return { endpoint, fetch: http.fetch, connect, close: http.close };
  }
  const tlsClient = client;
  return createFetchBasedTransport(options, {
    fetch: (url, init) => globalThis.fetch(url, { ...init, client: tlsClient } as RequestInit),
    connect,
    close: async () => tlsClient.close(),
  });
}

function denoConnToRaw(conn: DenoConn, endpointText: string, signal?: AbortSignal): RawConnection {
  let isClosed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let readEnded = false;
  let writeEnded = false;
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    signal?.removeEventListener("abort", close);
    try {
      conn.close();
    } catch {
      // Already closed by the runtime.
    }
    resolveClosed();
  };
  const maybeClose = () => {
    if (readEnded && writeEnded) close();
  };
  signal?.addEventListener("abort", close, { once: true });

  const reader = conn.readable.getReader();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          readEnded = true;
          // A read pending when we closed the connection (abort, close()) resolves as a clean end
          // on Deno; it is our close, as the Node socket reports it (node-socket.ts).
          if (isClosed) controller.error(new DockerAbortError());
          else controller.close();
          maybeClose();
        } else controller.enqueue(value);
      } catch (error) {
        readEnded = true;
        controller.error(isClosed ? new DockerAbortError({ cause: error }) : connectionErrorFrom(error, endpointText));
        close();
      }
    },
    cancel() {
      readEnded = true;
      close();
    },
  });
  const writer = conn.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      try {
        await writer.write(chunk);
      } catch (error) {
        throw connectionErrorFrom(error, endpointText);
      }
    },
    async close() {
      writer.releaseLock();
      if (!isClosed) await conn.closeWrite().catch(() => {});
      writeEnded = true;
      maybeClose();
    },
    abort() {
      close();
    },
  });
  return { readable, writable, close, closed };
}

function denoTls(options: TlsOptions): Record<string, unknown> {
  return {
    ...(options.ca ? { caCerts: [pem(options.ca)] } : {}),
    ...(options.cert ? { cert: pem(options.cert) } : {}),
    ...(options.key ? { key: pem(options.key) } : {}),
  };
}

function denoConnTls(options: TlsOptions): Record<string, unknown> {
  return {
    ...(options.ca ? { caCerts: [pem(options.ca)] } : {}),
    ...(options.cert ? { cert: pem(options.cert) } : {}),
    ...(options.key ? { key: pem(options.key) } : {}),
  };
}

function pem(value: string | Uint8Array): string {
  return typeof value === "string" ? value : new TextDecoder().decode(value);
}
