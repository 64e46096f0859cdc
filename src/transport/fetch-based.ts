/**
 * Shared part of the transports whose runtime has a fetch that can dial the daemon itself
 * (Bun: the `unix` and `tls` fetch options; Deno: `Deno.createHttpClient`). Adds what those
 * fetches lack: the headers timeout, and berth's typed errors for aborts and connection failures.
 */
import { formatEndpoint } from "../docker-host.js";
import { DockerAbortError, DockerTimeoutError, connectionErrorFrom, isDockerError, redactPath, type RequestSummary } from "../errors.js";
import type { RequestBody, TransportRequest } from "./messages.js";
import { checkSignal } from "./options.js";
import type { ConnectOptions, RawConnection, Transport, TransportOptions } from "./types.js";
import { socketEndpoint } from "./types.js";

/** What a runtime supplies: its fetch with the dialling options applied. */
export interface RuntimeFetchParts {
  /** Calls the runtime fetch with whatever extra init fields reach the endpoint. */
  fetch(url: string, init: RequestInit): Promise<Response>;
  connect(options?: ConnectOptions): Promise<RawConnection>;
  close(): Promise<void>;
}

/** Builds a Transport on a runtime fetch. */
export function createFetchBasedTransport(options: TransportOptions, parts: RuntimeFetchParts): Transport {
  const endpoint = socketEndpoint(options.endpoint);
  const endpointText = formatEndpoint(endpoint);
  const headersTimeoutMs = options.headersTimeoutMs ?? 0;
  const origin =
    endpoint.kind === "unix"
      ? "http://docker"
      : `${endpoint.tls ? "https" : "http"}://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${endpoint.basePath}`;

  async function fetch(request: TransportRequest): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname + url.search;
    const summary: RequestSummary = { method: request.method, path: redactPath(path) };
    const callerSignal = checkSignal(request.signal);
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
      const response = await parts.fetch(origin + path, init);
      const translate = (error: unknown) =>
        isDockerError(error) || error instanceof SyntaxError
          ? error
          : callerSignal?.aborted
            ? new DockerAbortError({ cause: callerSignal.reason, request: summary })
            : connectionErrorFrom(error, endpointText, summary);
      return new TypedBodyResponse(response, translate) as unknown as Response;
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
  if (
    typeof body === "string" ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    body instanceof Blob ||
    body instanceof ReadableStream
  ) {
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

/**
 * The runtime's Response with berth's typed errors for a body that fails mid-way: Bun reports
 * a cut body as a bare `TypeError` (ECONNRESET), Deno as `TypeError: error reading a body from
 * connection`. Reading methods translate their rejection; `body` is wrapped only when asked
 * for, so answers read with `json()`/`text()` cost no extra stream. (The Node transport makes
 * its own response objects and types its errors where it reads the socket.)
 */
class TypedBodyResponse {
  readonly #response: Response;
  readonly #translate: (error: unknown) => unknown;
  #body: ReadableStream<Uint8Array> | null | undefined;

  constructor(response: Response, translate: (error: unknown) => unknown) {
    this.#response = response;
    this.#translate = translate;
  }

  get status(): number {
    return this.#response.status;
  }
  get statusText(): string {
    return this.#response.statusText;
  }
  get headers(): Headers {
    return this.#response.headers;
  }
  get ok(): boolean {
    return this.#response.ok;
  }
  get url(): string {
    return this.#response.url;
  }
  get redirected(): boolean {
    return this.#response.redirected;
  }
  get type(): ResponseType {
    return this.#response.type;
  }
  get bodyUsed(): boolean {
    return this.#response.bodyUsed;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === undefined) {
      const source = this.#response.body;
      this.#body = source === null ? null : translateErrors(source, this.#translate);
    }
    return this.#body;
  }

  #read<T>(promise: Promise<T>): Promise<T> {
    return promise.catch((error: unknown) => {
      throw this.#translate(error);
    });
  }
  text(): Promise<string> {
    return this.#read(this.#response.text());
  }
  json(): Promise<unknown> {
    return this.#read(this.#response.json());
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read(this.#response.arrayBuffer());
  }
  blob(): Promise<Blob> {
    return this.#read(this.#response.blob());
  }
  bytes(): Promise<Uint8Array> {
    const response = this.#response as Response & { bytes?: () => Promise<Uint8Array> };
    return this.#read(response.bytes ? response.bytes() : response.arrayBuffer().then((b) => new Uint8Array(b)));
  }
  formData(): Promise<FormData> {
    return this.#read(this.#response.formData());
  }
  clone(): TypedBodyResponse {
    return new TypedBodyResponse(this.#response.clone(), this.#translate);
  }
}

/** `source` with its read errors passed through `translate`. */
function translateErrors(source: ReadableStream<Uint8Array>, translate: (error: unknown) => unknown): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          controller.error(translate(error));
          return;
        }
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
