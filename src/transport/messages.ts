/**
 * Lightweight request and response objects for the plain-request seam.
 *
 * Why not the global `Request`/`Response`: on Node both are undici objects whose
 * construction, header copying and body extraction cost more client CPU than the rest of a
 * small Docker call (measured in bench/: about half the client CPU of an inspect).
 * openapi-fetch accepts a custom `Request` class, and the transports accept anything shaped
 * like `TransportRequest`, including a real `Request`.
 */

/**
 * An absolute URL as origin and path with query (fragment dropped), by string search: this
 * runs on every request. Undefined when the URL has no path.
 */
export function splitRequestUrl(url: string): { origin: string; path: string } | undefined {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return undefined;
  const hash = url.indexOf("#", start);
  return { origin: url.slice(0, start), path: hash < 0 ? url.slice(start) : url.slice(start, hash) };
}

/** What a request body may be. Node streams are accepted as async iterables. */
export type RequestBody = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The part of a request the transports read. A global `Request` satisfies it. */
export interface TransportRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: RequestBody | null;
  readonly signal: AbortSignal | null | undefined;
  /**
   * Milliseconds of silence allowed between two reads of the body (0 = off). Default: the
   * transport's `streamIdleTimeoutMs`, off for follow streams. berth's own HTTP/1.1 client only.
   */
  readonly idleTimeoutMs?: number | undefined;
  /** Milliseconds allowed from sending to the end of the body (0 = off). Default: the transport's `responseTimeoutMs`. */
  readonly responseTimeoutMs?: number | undefined;
}

/** What `DockerRequest` takes (openapi-fetch passes a call's extra options through). */
export interface DockerRequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: RequestBody | null;
  signal?: AbortSignal | null;
  idleTimeoutMs?: number | undefined;
  responseTimeoutMs?: number | undefined;
}

/**
 * The request object openapi-fetch builds for berth (its `Request` option). It has the
 * fields middleware reads (`url`, `method`, `headers`, `body`, `signal`); `url` is writable
 * so the version-prefix middleware can rewrite it without copying the body.
 */
export class DockerRequest implements TransportRequest {
  url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: RequestBody | null;
  readonly signal: AbortSignal | null;
  readonly idleTimeoutMs: number | undefined;
  readonly responseTimeoutMs: number | undefined;

  constructor(input: string | URL, init: DockerRequestInit = {}) {
    this.url = String(input);
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.body = init.body ?? null;
    this.signal = init.signal ?? null;
    this.idleTimeoutMs = init.idleTimeoutMs;
    this.responseTimeoutMs = init.responseTimeoutMs;
  }

  /** The body as text, for string and byte bodies (what middleware may want to log). */
  async text(): Promise<string> {
    const body = this.body;
    if (body === null) return "";
    if (typeof body === "string") return body;
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
    if (body instanceof Blob) return body.text();
    throw new TypeError("a streaming request body cannot be read as text");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/**
 * A body stream a transport can also hand over without the web stream: `stream[DIRECT_BODY]()`
 * returns the body's chunks as an async iterable if nothing has read the stream yet (else
 * undefined), and the stream is then not to be used. For bulk consumers (`ByteStreamOperation`
 * iterating or piping an export) it saves the web stream's per-chunk work; readers that want a
 * `ReadableStream` keep using the stream.
 */
export const DIRECT_BODY: unique symbol = Symbol.for("berth.directBody");

/** A `ReadableStream` that may carry `DIRECT_BODY`. */
export interface MaybeDirectBody {
  [DIRECT_BODY]?: () => AsyncIterableIterator<Uint8Array> | undefined;
}

/** Status and headers of a response, as both of berth's response classes take them. */
export interface LightResponseInit {
  status: number;
  statusText: string;
  headers: Headers;
}

/**
 * What berth's light responses share: the `Response` members openapi-fetch and berth read,
 * every body reader built on `bytes()`, and the one-read rule of a body.
 */
export abstract class LightResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url = "";
  readonly redirected = false;
  readonly type = "basic" as const;
  #used = false;

  constructor(init: LightResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a web stream (`null` for an answer without one). */
  abstract get body(): ReadableStream<Uint8Array> | null;

  /** The whole body. */
  abstract bytes(): Promise<Uint8Array>;

  /** Marks the body read; throws if it was already. */
  protected markUsed(): void {
    if (this.#used) throw new TypeError("Body has already been consumed");
    this.#used = true;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([(await this.bytes()) as Uint8Array<ArrayBuffer>], { type: this.headers.get("content-type") ?? "" });
  }

  async formData(): Promise<FormData> {
    throw new TypeError("the Docker API sends no form data");
  }
}

/**
 * A response whose whole body is already in memory (small known-length answers). `body` makes
 * a stream only if asked.
 */
export class BufferedResponse extends LightResponse {
  readonly #bytes: Uint8Array | null;

  constructor(bytes: Uint8Array | null, init: LightResponseInit) {
    super(init);
    this.#bytes = bytes;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    const bytes = this.#take();
    return new ReadableStream({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  #take(): Uint8Array {
    this.markUsed();
    return this.#bytes ?? new Uint8Array(0);
  }

  async bytes(): Promise<Uint8Array> {
    return this.#take();
  }

  clone(): BufferedResponse {
    if (this.bodyUsed) throw new TypeError("Body has already been consumed");
    return new BufferedResponse(this.#bytes, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
  }
}
