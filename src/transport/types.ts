/**
 * The two seams every runtime implements: a `fetch`-shaped function for plain requests and
 * `connect()` for the raw byte connection that hijacked endpoints (attach, exec) take over.
 */
import { formatEndpoint, type Endpoint, type TcpEndpoint, type UnixEndpoint } from "../docker-host.js";
import { InvalidEndpointError } from "../errors.js";
import type { TransportRequest } from "./messages.js";
import type { SshOptions } from "./ssh.js";

/** Options common to every transport. */
export interface TransportOptions {
  endpoint: Endpoint;
  /** Milliseconds allowed to open a connection. Default 30 000; 0 turns it off. */
  connectTimeoutMs?: number | undefined;
  /**
   * Milliseconds allowed between sending a request and receiving the response head.
   * Off (0) by default, so that long waits (`/wait`, `/events`, attach) are never cut.
   */
  headersTimeoutMs?: number | undefined;
  /**
   * Milliseconds allowed from sending a request to the end of its answer, for calls that are
   * not follow streams (events, followed logs, wait, live stats, attach, build/pull/push
   * progress). Off (0) by default: an export or a log read has no size limit.
   */
  responseTimeoutMs?: number | undefined;
  /**
   * Milliseconds of silence allowed between two reads of an answer's body while its reader
   * wants more, for calls that are not follow streams. Default 60 000; 0 turns it off. A
   * request's `idleTimeoutMs` overrides it (follow streams included).
   */
  streamIdleTimeoutMs?: number | undefined;
  /** Upper bound of pooled keep-alive connections (Node only; others pool internally). */
  maxSockets?: number | undefined;
  /** How to run ssh for an `ssh://` endpoint (ignored for the others). */
  ssh?: SshOptions | undefined;
}

/** A bidirectional byte connection to the daemon, with half-close. */
export interface RawConnection {
  /** Bytes from the daemon. Ends when the daemon closes its side. */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Bytes to the daemon. Closing it shuts down only the write side (sends EOF) while the
   * readable keeps flowing; aborting it destroys the whole connection.
   */
  readonly writable: WritableStream<Uint8Array>;
  /** Destroys both directions at once. Safe to call more than once. */
  close(): void;
  /** Settles when the connection is fully closed. */
  readonly closed: Promise<void>;
}

/** Options of one raw connection. */
export interface ConnectOptions {
  signal?: AbortSignal | undefined;
}

/** One runtime's way of talking to one endpoint. */
export interface Transport {
  readonly endpoint: Endpoint;
  /**
   * Sends one request and resolves at the response head; the body streams afterwards.
   * Accepts a global `Request` or berth's lighter `DockerRequest`.
   */
  fetch(request: TransportRequest): Promise<Response>;
  /** Opens a raw connection to the same endpoint, for hijacked (upgraded) requests. */
  connect(options?: ConnectOptions): Promise<RawConnection>;
  /** Releases pooled connections. Requests in flight are not interrupted. */
  close(): Promise<void>;
}

/** Body sizes up to this are buffered whole instead of streamed (saves a stream per small JSON answer). */
export const BUFFER_SMALL_BODY_BYTES = 1 << 20;

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * The endpoint of a transport that dials sockets itself (the runtimes' own); ssh endpoints go
 * through the ssh transport, which `createTransport` picks for them.
 */
export function socketEndpoint(endpoint: Endpoint): UnixEndpoint | TcpEndpoint {
  if (endpoint.kind === "ssh")
    throw new InvalidEndpointError(formatEndpoint(endpoint), "ssh:// endpoints need the ssh transport (createTransport)");
  return endpoint;
}
