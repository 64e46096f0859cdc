/**
 * Input body adapters: what a caller may hand berth as the bytes of an upload (a build
 * context, an image archive to import or load), turned into a body every transport sends.
 *
 * Whole values (bytes, `Blob`, strings) go as they are, with a Content-Length. Streams stay
 * streams: a web `ReadableStream` is passed through, and any async iterable (a Node `Readable`,
 * an async generator) becomes a pull-based `ReadableStream`, so a chunk is read from the
 * source only when the socket can take it: memory stays bounded whatever the upload's size.
 */
import { InvalidOptionError } from "./errors.js";

/** Bytes to upload. Node `Readable`s are accepted as async iterables; strings are sent as UTF-8. */
export type BodyInput =
  Uint8Array | ArrayBuffer | Blob | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>;

/** What `toRequestBody` hands the transports (a subset of their `RequestBody`). */
export type PreparedBody = Uint8Array | ArrayBuffer | Blob | string | ReadableStream<Uint8Array>;

/** True if `value` is something `toRequestBody` accepts. */
export function isBodyInput(value: unknown): value is BodyInput {
  if (typeof value === "string" || value instanceof Uint8Array || value instanceof ArrayBuffer) return true;
  if (typeof Blob !== "undefined" && value instanceof Blob) return true;
  if (value instanceof ReadableStream) return true;
  if (typeof value !== "object" || value === null) return false;
  return Symbol.asyncIterator in value || Symbol.iterator in value;
}

/**
 * Turns a caller's input into a request body.
 * @param option the option's name, for the error when `input` is not a body.
 * @throws InvalidOptionError when `input` is not one of the `BodyInput` shapes.
 */
export function toRequestBody(input: BodyInput, option: string): PreparedBody {
  if (typeof input === "string" || input instanceof Uint8Array || input instanceof ArrayBuffer) return input;
  if (typeof Blob !== "undefined" && input instanceof Blob) return input;
  if (input instanceof ReadableStream) return input;
  if (typeof input === "object" && input !== null) {
    if (Symbol.asyncIterator in input) return iterableToStream((input as AsyncIterable<unknown>)[Symbol.asyncIterator](), option);
    if (Symbol.iterator in input) return iterableToStream((input as Iterable<unknown>)[Symbol.iterator](), option);
  }
  throw new InvalidOptionError(
    option,
    "expected bytes, a Blob, a string, a ReadableStream, a Node Readable or an (async) iterable of bytes",
  );
}

const encoder = new TextEncoder();

/**
 * A `ReadableStream` that pulls one chunk from `iterator` each time the consumer wants one
 * (high-water mark 0: nothing is read ahead). Cancelling the stream returns the iterator, which
 * destroys a Node `Readable` and runs a generator's `finally`.
 */
function iterableToStream(iterator: AsyncIterator<unknown> | Iterator<unknown>, option: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            controller.close();
            return;
          }
          const chunk = next.value;
          const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
          if (!(bytes instanceof Uint8Array)) {
            const error = new InvalidOptionError(option, `the stream yielded ${describe(chunk)}; expected Uint8Array or string chunks`);
            await iterator.return?.();
            throw error;
          }
          // Empty chunks carry nothing; an empty write would only cost a round through the transport.
          if (bytes.byteLength === 0) continue;
          controller.enqueue(bytes);
          return;
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `a ${(value as object).constructor?.name ?? "object"}`;
  return `a ${typeof value}`;
}
