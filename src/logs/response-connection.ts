/**
 * A plain streamed answer in the shape of a hijacked connection, so the logs body goes through
 * the same session machinery as attach and exec (one demultiplexer, one stdout/stderr split
 * with its backpressure rules) instead of a second copy of it.
 *
 * The differences from a real hijack: there is no input (the writable refuses every write),
 * and closing the connection aborts the request, which is what releases the socket on every
 * runtime's transport.
 */
import type { HijackedConnection } from "../attach/hijack.js";
import type { HttpResponseHead } from "../codecs/http-head.js";
import { InvalidOptionError, type RequestSummary } from "../errors.js";

/** Wraps `body` (may be absent for an empty answer); `abort` cancels the underlying request. */
export function responseConnection(
  response: Response,
  body: ReadableStream<Uint8Array> | null | undefined,
  request: RequestSummary,
  abort: () => void,
): HijackedConnection {
  const headers = new Map<string, string[]>();
  response.headers.forEach((value, name) => headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), value]));
  const head: HttpResponseHead = { httpVersion: "1.1", status: response.status, reason: response.statusText, headers, byteLength: 0 };
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return {
    status: response.status,
    head,
    contentType: response.headers.get("content-type") ?? undefined,
    readable: body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }),
    writable: new WritableStream<Uint8Array>({
      write() {
        throw new InvalidOptionError("stdin", "this stream takes no input");
      },
    }),
    close() {
      abort();
      markClosed();
    },
    closed,
    request,
  };
}
