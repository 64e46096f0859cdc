/**
 * `ProgressOperation`: how the client returns the JSON progress streams of build, pull, push,
 * import and load. It is both
 *
 * - an `AsyncIterable<ProgressMessage>`: each message as it arrives, validated and typed. The
 *   response body is read only as fast as the loop asks (backpressure reaches the socket), and
 *   leaving the loop early cancels the request;
 * - a `PromiseLike<Result>`: `await` it for the operation's result (an image id, a digest),
 *   which settles only when the daemon has ended the stream.
 *
 * A message with `error` / `errorDetail` ends the operation with `DockerStreamError` (thrown
 * from the loop, and the rejection of the `await`): an operation the daemon reported as failed
 * never succeeds. A stream cut inside a message is a `DockerProtocolError`; a connection lost
 * mid-way, the transport's `DockerConnectionError`.
 *
 * Operations are lazy and single-use: nothing is sent until the operation is awaited or
 * iterated, and its messages can be read once. `for await (const m of op) {...}; await op`
 * works (the `await` then gives the result of the stream just read); iterating after awaiting
 * throws, since the messages were already consumed.
 */
import { readJsonStream } from "../codecs/json-stream.js";
import { DockerAbortError, DockerProtocolError, DockerStreamError, isDockerError, type RequestSummary } from "../errors.js";
import { SecretSet, redactErrorSecrets } from "../secrets.js";
import { normalizeProgressMessage } from "./normalize.js";
import type { ProgressMessage } from "./types.js";

/** An opened progress stream: the response body (none for an empty answer) and the request, for errors. */
export interface OpenedProgress {
  body: ReadableStream<Uint8Array> | null | undefined;
  request: RequestSummary;
  /** The credentials the request carried: redacted from every message and error of the stream. */
  secrets?: SecretSet | undefined;
}

/** Gathers what an operation's result needs from the messages it sees. */
export interface ProgressCollector<Result> {
  /** Called with every message that is not an error, in order. */
  observe(message: ProgressMessage): void;
  /** Called once the stream ended cleanly; computes the result (may make further requests). */
  finish(): Result | Promise<Result>;
}

type Consumer = "none" | "iterator" | "await";

/** A streaming operation reporting JSON progress; see the file comment. */
export class ProgressOperation<Result> implements AsyncIterable<ProgressMessage>, PromiseLike<Result> {
  readonly #open: () => Promise<OpenedProgress>;
  readonly #collector: () => ProgressCollector<Result>;
  readonly #signal: AbortSignal | undefined;
  #consumer: Consumer = "none";
  readonly #result: Promise<Result>;
  #resolve!: (result: Result) => void;
  #reject!: (error: unknown) => void;

  /**
   * @param open sends the request and returns the body (called on first use).
   * @param collector creates the result collector for the run.
   * @param signal the call's AbortSignal, also checked between messages: the transports end the
   *   body on abort, and this makes the loop stop at once whatever transport is in use.
   */
  constructor(open: () => Promise<OpenedProgress>, collector: () => ProgressCollector<Result>, signal?: AbortSignal) {
    this.#open = open;
    this.#collector = collector;
    this.#signal = signal;
    this.#result = new Promise<Result>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // The outcome reaches callers through then() and the iterator; an operation whose loop
    // threw and that is never awaited must not also report an unhandled rejection.
    this.#result.catch(() => undefined);
  }

  /** Reads the messages one by one. Throws if the operation was already awaited or iterated. */
  [Symbol.asyncIterator](): AsyncIterator<ProgressMessage> {
    this.#claim("iterator");
    return this.#run();
  }

  /** Runs the operation to its end (unless a loop already does) and settles with its result. */
  then<A = Result, B = never>(
    onFulfilled?: ((value: Result) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (this.#consumer === "none") {
      this.#consumer = "await";
      void this.#drain();
    }
    return this.#result.then(onFulfilled, onRejected);
  }

  /** Same as `then(undefined, onRejected)`. */
  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Result | B> {
    return this.then(undefined, onRejected);
  }

  #claim(consumer: Consumer): void {
    if (this.#consumer !== "none") {
      throw new TypeError("the progress messages were already consumed: iterate the operation before awaiting it, and only once");
    }
    this.#consumer = consumer;
  }

  async #drain(): Promise<void> {
    try {
      for await (const _message of this.#run()) {
        // Nothing to do with the messages: the collector keeps what the result needs.
      }
    } catch {
      // Already delivered through #result.
    }
  }

  async *#run(): AsyncGenerator<ProgressMessage, void, undefined> {
    let settled = false;
    let secrets: SecretSet | undefined;
    try {
      const opened = await this.#open();
      const { body, request } = opened;
      secrets = opened.secrets;
      const collector = this.#collector();
      if (body) {
        try {
          for await (const item of readJsonStream(body)) {
            if (this.#signal?.aborted) throw new DockerAbortError({ cause: this.#signal.reason, request });
            if (item.error) throw withRequest(item.error, request);
            // A message echoing a credential (a proxy's, a registry's text) is handed on redacted.
            const value = secrets && !secrets.isEmpty && secrets.occursIn(item.text) ? secrets.redactValue(item.value) : item.value;
            const message = normalizeProgressMessage(value, request);
            if (message.error !== undefined || message.errorDetail !== undefined) throw streamError(message, request);
            collector.observe(message);
            yield message;
          }
        } catch (error) {
          throw isDockerError(error) ? error : new DockerProtocolError("the progress stream broke off", { cause: error, request });
        }
      }
      const result = await collector.finish();
      settled = true;
      this.#resolve(result);
    } catch (caught) {
      settled = true;
      const error = secrets ? redactErrorSecrets(caught, secrets) : caught;
      this.#reject(error);
      throw error;
    } finally {
      // Only reached unsettled when the loop was left early (break, return, a throw in its body).
      if (!settled) this.#reject(new DockerAbortError({ cause: new Error("the progress stream was left before its end") }));
    }
  }
}

/** The error a failed stream reports, as a `DockerStreamError`. */
export function streamError(message: ProgressMessage, request?: RequestSummary): DockerStreamError {
  // podman ends the message with a newline, which the error would show escaped (a literal backslash-n)
  const text = (message.errorDetail?.message || message.error || "").trimEnd() || "the daemon reported an unspecified error";
  const code = message.errorDetail?.code;
  return new DockerStreamError(text, { ...(request ? { request } : {}), ...(code !== undefined ? { detailCode: code } : {}) });
}

function withRequest<E extends DockerProtocolError>(error: E, request: RequestSummary): E {
  if (!error.request) error.request = request;
  return error;
}
