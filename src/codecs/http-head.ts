/**
 * Incremental parser of one HTTP/1.1 response head, for hijacked connections (attach, exec
 * start) where berth reads the daemon's answer off a raw socket and every byte after the
 * head belongs to the container's stream.
 *
 * States: scanning for the empty line that ends the head (chunks are kept as views, nothing
 * is copied until the head is complete), then parsing it once; afterwards the parser is done.
 * The head is bounded (64 KiB by default) and must start with `HTTP/`, so a peer that is not
 * an HTTP server is rejected within the first five bytes instead of after the whole bound.
 */
import { DockerProtocolError } from "../errors.js";

/** Default upper bound of a response head, status line and headers included. */
export const MAX_HTTP_HEAD_BYTES = 64 * 1024;

/** A parsed response head. */
export interface HttpResponseHead {
  /** `"1.1"` or `"1.0"`. */
  readonly httpVersion: string;
  readonly status: number;
  /** The reason phrase as sent (`"UPGRADED"`, `"OK"`), possibly empty. */
  readonly reason: string;
  /** Values by lowercase header name, in arrival order (a repeated header has several). */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Size of the head in bytes, empty line included. */
  readonly byteLength: number;
}

/** A complete head and the bytes that followed it in the same chunk. */
export interface ParsedHttpHead {
  readonly head: HttpResponseHead;
  /** Bytes after the head: the start of the body or hijacked stream. A view, possibly empty. */
  readonly rest: Uint8Array;
}

/** Options of `HttpHeadParser`. */
export interface HttpHeadParserOptions {
  /** Reject heads longer than this many bytes. Default `MAX_HTTP_HEAD_BYTES`. */
  maxHeadBytes?: number | undefined;
}

/** First value of a header, by case-insensitive name. */
export function headerValue(head: HttpResponseHead, name: string): string | undefined {
  return head.headers.get(name.toLowerCase())?.[0];
}

const LF = 0x0a;
const CR = 0x0d;
const PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/**
 * Feed it chunks with `push` until it returns the head; call `end` if the connection closes
 * first. Errors are `DockerProtocolError`s.
 */
export class HttpHeadParser {
  readonly #maxHeadBytes: number;
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  /** 1 once the current line holds a byte other than CR; an LF with none ends the head. */
  #lineBytes = 0;
  #done = false;

  constructor(options: HttpHeadParserOptions = {}) {
    this.#maxHeadBytes = options.maxHeadBytes ?? MAX_HTTP_HEAD_BYTES;
  }

  /** Consumes a chunk; returns the head once it is complete, else undefined. */
  push(chunk: Uint8Array): ParsedHttpHead | undefined {
    if (this.#done) throw new DockerProtocolError("HTTP head parser used after the head was complete");
    const base = this.#length;
    for (let i = 0; base + i < PREFIX.length && i < chunk.length; i++) {
      if (chunk[i] !== PREFIX[base + i]) {
        this.#done = true;
        throw new DockerProtocolError(`the daemon's answer is not HTTP: it starts with ${preview(this.#chunks, chunk, i + 1)}`);
      }
    }
    // Line by line (LF to LF): the head ends at an LF whose line holds nothing but CRs.
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      const to = lf < 0 ? chunk.length : lf;
      if (this.#lineBytes === 0 && !onlyCR(chunk, from, to)) this.#lineBytes = 1;
      if (lf < 0) break;
      const offset = base + lf;
      if (offset >= this.#maxHeadBytes) break;
      if (this.#lineBytes === 0 && offset >= PREFIX.length) {
        this.#done = true;
        const headBytes = concat(this.#chunks, chunk.subarray(0, lf + 1), offset + 1);
        this.#chunks.length = 0;
        return { head: parseHead(headBytes), rest: chunk.subarray(lf + 1) };
      }
      this.#lineBytes = 0;
      from = lf + 1;
    }
    if (base + chunk.length > this.#maxHeadBytes) {
      this.#done = true;
      throw new DockerProtocolError(`HTTP response head exceeds ${this.#maxHeadBytes} bytes`);
    }
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    return undefined;
  }

  /** The connection ended before the head did. Always throws. */
  end(): never {
    const received = this.#length;
    this.#done = true;
    throw new DockerProtocolError(
      received === 0
        ? "the daemon closed the connection without answering"
        : `the daemon closed the connection inside the response head (${received} bytes received)`,
    );
  }
}

const STATUS_LINE = /^HTTP\/(\d)\.(\d) ([1-5]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
const BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/;

function parseHead(bytes: Uint8Array): HttpResponseHead {
  const lines = latin1(bytes).split("\n");
  // The head ends with an empty line, so the split leaves ["status", ...headers, "", ""].
  lines.length -= 2;
  const unterminated = lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  const statusLine = unterminated[0] ?? "";
  const status = STATUS_LINE.exec(statusLine);
  if (!status) throw new DockerProtocolError(`malformed HTTP status line ${JSON.stringify(statusLine.slice(0, 200))}`);
  const headers = new Map<string, string[]>();
  for (let i = 1; i < unterminated.length; i++) {
    const line = unterminated[i]!;
    const match = HEADER_LINE.exec(line);
    // Also rejects obsolete line folding (a line starting with a space), which RFC 9112 §5.2 lets a client refuse.
    if (!match || BAD_VALUE_CHAR.test(match[2]!))
      throw new DockerProtocolError(`malformed HTTP header line ${JSON.stringify(line.slice(0, 200))}`);
    const name = match[1]!.toLowerCase();
    const values = headers.get(name);
    if (values) values.push(match[2]!);
    else headers.set(name, [match[2]!]);
  }
  return {
    httpVersion: `${status[1]}.${status[2]}`,
    status: Number(status[3]),
    reason: status[4] ?? "",
    headers,
    byteLength: bytes.length,
  };
}

/** True when `bytes[from..to)` holds only CR bytes (or nothing). */
function onlyCR(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== CR) return false;
  return true;
}

function concat(chunks: readonly Uint8Array[], last: Uint8Array, total: number): Uint8Array {
  if (chunks.length === 0) return last;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out.set(last, at);
  return out;
}

/** WHATWG's "latin1" is windows-1252: right for every byte except 0x80–0x9F, checked for below. */
const WINDOWS_1252 = new TextDecoder("latin1");

/** Bytes as ISO-8859-1 text (what HTTP heads are), without TextDecoder's windows-1252 mapping. */
function latin1(bytes: Uint8Array): string {
  const text = WINDOWS_1252.decode(bytes);
  // windows-1252 turned a byte in 0x80–0x9F into a character above 0xFF: decode exactly instead.
  if (!/[^\x00-\xff]/.test(text)) return text;
  let exact = "";
  for (let i = 0; i < bytes.length; i += 8192) exact += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return exact;
}

function preview(chunks: readonly Uint8Array[], chunk: Uint8Array, upTo: number): string {
  const bytes = concat(chunks, chunk.subarray(0, upTo), chunks.reduce((n, c) => n + c.length, 0) + upTo);
  return JSON.stringify(latin1(bytes.subarray(0, 16)));
}
