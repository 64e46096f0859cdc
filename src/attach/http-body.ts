/**
 * HTTP/1.1 body framing for the few answers on a hijacked connection that are plain HTTP:
 * error answers (whose text becomes the typed error) and a 200 that a proxy re-framed with
 * Content-Length or chunked encoding. The daemon itself sends neither on attach: its 101 and
 * 200 answers are followed by the raw stream until close, and its error answers (404, 409)
 * by text until close (measured on Docker 20.10 at API 1.12 and 1.41).
 */
import { headerValue, type HttpResponseHead } from "../codecs/http-head.js";
import { DockerProtocolError } from "../errors.js";
import { DIRECT_BODY, type MaybeDirectBody } from "../transport/messages.js";

/**
 * A readable that yields `first` (if non-empty) and then what `source` yields. It offers
 * `DIRECT_BODY` when `source` does: the session's reader then takes the connection's chunks
 * without the two web streams in between.
 */
export function prependBytes(first: Uint8Array, source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let direct = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (first.length > 0) controller.enqueue(first);
      },
      async pull(controller) {
        reader ??= source.getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        reader ??= source.getReader();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  (stream as MaybeDirectBody)[DIRECT_BODY] = () => {
    if (direct || reader !== undefined || stream.locked) return undefined;
    const inner = (source as MaybeDirectBody)[DIRECT_BODY]?.();
    if (!inner) return undefined;
    direct = true;
    let head: Uint8Array | undefined = first.length > 0 ? first : undefined;
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next() {
        if (head === undefined) return inner.next();
        const value = head;
        head = undefined;
        return Promise.resolve({ done: false, value });
      },
      return() {
        head = undefined;
        return inner.return?.() ?? Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  };
  return stream;
}

/** Applies the head's framing to `body`: chunked decoding, a Content-Length limit, or none (until close). */
export function framedBody(head: HttpResponseHead, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const encoding = head.headers.get("transfer-encoding")?.join(",").toLowerCase();
  if (encoding) {
    if (encoding.split(",").at(-1)?.trim() !== "chunked")
      throw new DockerProtocolError(`unsupported Transfer-Encoding ${JSON.stringify(encoding)}`);
    return decodeChunked(body);
  }
  const length = headerValue(head, "content-length");
  if (length !== undefined) {
    if (!/^\d{1,15}$/.test(length.trim())) throw new DockerProtocolError(`malformed Content-Length ${JSON.stringify(length)}`);
    return limitLength(body, Number(length));
  }
  return body;
}

/**
 * Reads a framed body whole, keeping at most `limit` bytes and waiting at most `timeoutMs`
 * for the rest (an error text is only worth so much; the connection is dropped afterwards).
 */
export async function readBoundedBody(body: ReadableStream<Uint8Array>, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const out = new Uint8Array(limit);
  let fill = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    while (fill < limit) {
      const result = await Promise.race([reader.read(), timeout]);
      if (result === "timeout" || result.done) break;
      const take = Math.min(result.value.length, limit - fill);
      out.set(result.value.subarray(0, take), fill);
      fill += take;
    }
  } catch {
    // A connection cut inside an error text still leaves the status and what arrived.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  return out.subarray(0, fill);
}

function limitLength(body: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let remaining = length;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (remaining === 0) {
          controller.close();
          return;
        }
        const { done, value } = await reader.read();
        if (done) throw new DockerProtocolError(`connection closed ${remaining} bytes before the end of a ${length}-byte body`);
        const take = Math.min(value.length, remaining);
        remaining -= take;
        controller.enqueue(take === value.length ? value : value.subarray(0, take));
        if (remaining === 0) controller.close();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

const MAX_CHUNK_LINE = 4096;

/** Chunked transfer decoding (RFC 9112 §7.1) as a pull stream; data is passed on as views. */
function decodeChunked(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  // States: reading a size line, chunk data, the CRLF after data, trailer lines, done.
  let state: "size" | "data" | "data-end" | "trailer" | "done" = "size";
  let line = "";
  let remaining = 0;
  const feed = (chunk: Uint8Array, enqueue: (data: Uint8Array) => void) => {
    let i = 0;
    while (i < chunk.length && state !== "done") {
      if (state === "data") {
        const take = Math.min(remaining, chunk.length - i);
        enqueue(chunk.subarray(i, i + take));
        remaining -= take;
        i += take;
        if (remaining === 0) state = "data-end";
        continue;
      }
      const byte = chunk[i++]!;
      if (byte !== 0x0a) {
        if (byte !== 0x0d) line += String.fromCharCode(byte);
        if (line.length > MAX_CHUNK_LINE) throw new DockerProtocolError("chunked body: line too long");
        continue;
      }
      const text = line;
      line = "";
      if (state === "size") {
        const match = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text);
        if (!match) throw new DockerProtocolError(`chunked body: malformed chunk size ${JSON.stringify(text.slice(0, 40))}`);
        remaining = parseInt(match[1]!, 16);
        state = remaining === 0 ? "trailer" : "data";
      } else if (state === "data-end") {
        if (text !== "") throw new DockerProtocolError("chunked body: missing CRLF after chunk data");
        state = "size";
      } else if (text === "") {
        state = "done";
      }
    }
  };
  // A framing error found after data of the same read was queued waits for that data to be
  // read: throwing from pull would error the stream and drop what is queued, so the bytes
  // before the error would depend on how the socket split them.
  let pendingError: { error: unknown } | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pendingError) throw pendingError.error;
        for (;;) {
          if (state === "done") {
            controller.close();
            return;
          }
          const { done, value } = await reader.read();
          if (done) throw new DockerProtocolError("connection closed inside a chunked body");
          let produced = false;
          try {
            feed(value, (data) => {
              produced = true;
              controller.enqueue(data);
            });
          } catch (error) {
            if (!produced) throw error;
            pendingError = { error };
            reader.cancel().catch(() => {});
            return;
          }
          if (produced) {
            // `feed` may have reached the end; TypeScript cannot see the closure's write.
            if ((state as string) === "done") controller.close();
            return;
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
