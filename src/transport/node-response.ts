/**
 * A Node response whose body has no known small length (chunked answers: container inspect
 * and lists grow past Go's 4 KiB write buffer and arrive chunked; every stream does too).
 *
 * The web `ReadableStream` is made only when `body` is read (streams, `parseAs: "stream"`).
 * `text()`, `json()` and `bytes()` collect straight from the IncomingMessage instead: for a
 * JSON answer that skips a web stream and undici's body reader per call, which measured as
 * most of the client CPU of an inspect (bench/results).
 */
import type http from "node:http";

/** Builds the web stream over `res` (the Node transport's streaming path), on first use. */
export type BodyStreamFactory = () => ReadableStream<Uint8Array>;

export class NodeStreamedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url = "";
  readonly redirected = false;
  readonly type = "basic" as const;
  readonly #res: http.IncomingMessage;
  readonly #makeStream: BodyStreamFactory;
  readonly #errorOf: (cause: unknown) => unknown;
  readonly #onSettled: () => void;
  #used = false;

  constructor(
    res: http.IncomingMessage,
    init: { status: number; statusText: string; headers: Headers },
    makeStream: BodyStreamFactory,
    errorOf: (cause: unknown) => unknown,
    onSettled: () => void,
  ) {
    this.#res = res;
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.#makeStream = makeStream;
    this.#errorOf = errorOf;
    this.#onSettled = onSettled;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a web stream with backpressure to the socket (made once, on first access). */
  get body(): ReadableStream<Uint8Array> {
    this.#take();
    return this.#makeStream();
  }

  #take(): void {
    if (this.#used) throw new TypeError("Body has already been consumed");
    this.#used = true;
  }

  async bytes(): Promise<Uint8Array> {
    this.#take();
    const res = this.#res;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (res.destroyed && !res.complete) {
        this.#onSettled();
        reject(this.#errorOf(res.errored ?? undefined));
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => {
        this.#onSettled();
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
      });
      res.once("error", (error) => {
        this.#onSettled();
        reject(this.#errorOf(error));
      });
      res.once("close", () => {
        if (res.complete) return;
        this.#onSettled();
        reject(this.#errorOf(res.errored ?? undefined));
      });
    });
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

  clone(): never {
    throw new TypeError("a streamed Docker response cannot be cloned; read it once");
  }
}
