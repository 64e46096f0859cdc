/**
 * Shared part of the transports whose runtime has a fetch that can dial the daemon itself
 * (Bun: the `unix` and `tls` fetch options; Deno: `Deno.createHttpClient`). Adds what those
 * fetches lack: the headers timeout, and berth's typed errors for aborts and connection failures.
 */
import { formatEndpoint } from "../docker-host.js";
import { DockerAbortError, DockerTimeoutError, connectionErrorFrom, type RequestSummary } from "../errors.js";
import type { RequestBody, TransportRequest } from "./messages.js";
import type { ConnectOptions, RawConnection, Transport, TransportOptions } from "./types.js";

/** What a runtime supplies: its fetch with the dialling options applied. */
export interface RuntimeFetchParts {
  /** Calls the runtime fetch with whatever extra init fields reach the endpoint. */
  fetch(url: string, init: RequestInit): Promise<Response>;
  connect(options?: ConnectOptions): Promise<RawConnection>;
  close(): Promise<void>;
}

/** Builds a Transport on a runtime fetch. */
export function createFetchBasedTransport(options: TransportOptions, parts: RuntimeFetchParts): Transport {
  const { endpoint } = options;
  const endpointText = formatEndpoint(endpoint);
  const headersTimeoutMs = options.headersTimeoutMs ?? 0;
  const origin =
    endpoint.kind === "unix"
      ? "http://docker"
      : `${endpoint.tls ? "https" : "http"}://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${endpoint.basePath}`;

  async function fetch(request: TransportRequest): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname + url.search;
    const summary: RequestSummary = { method: request.method, path };
    const callerSignal = request.signal ?? undefined;
    if (callerSignal?.aborted) throw new DockerAbortError({ cause: callerSignal.reason, request: summary });

    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      headersTimeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, headersTimeoutMs)
        : undefined;
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers: request.headers,
      signal: controller.signal,
      redirect: "manual",
    };
    if (request.body !== null && request.body !== undefined) {
      init.body = toFetchBody(request.body);
      if (init.body instanceof ReadableStream) init.duplex = "half";
    }
    try {
      return await parts.fetch(origin + path, init);
    } catch (error) {
      if (timedOut) throw new DockerTimeoutError("headers", headersTimeoutMs, { cause: error, request: summary });
      if (callerSignal?.aborted) throw new DockerAbortError({ cause: callerSignal.reason, request: summary });
      throw connectionErrorFrom(error, endpointText, summary);
    } finally {
      clearTimeout(timer);
      // The caller's signal still aborts the body stream through `controller`; only the
      // listener on a completed request without body is left, which the GC reclaims with it.
    }
  }

  return { endpoint, fetch, connect: parts.connect, close: parts.close };
}

/** Fetch takes strings, bytes, blobs and web streams; other async iterables (Node streams) become web streams. */
function toFetchBody(body: RequestBody): BodyInit {
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof Blob || body instanceof ReadableStream) {
    return body as BodyInit;
  }
  const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
