/**
 * The shapes attach accepts for input and output, so Node streams and web streams work alike:
 * a sink is a web `WritableStream` or a Node `Writable` (duck-typed, so no Node import), a
 * source is a web `ReadableStream`, a Node `Readable`, any (async) iterable, bytes or a string.
 */

/** The part of Node's `Writable` berth uses. */
export interface NodeWritableLike {
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  once(event: "drain" | "close" | "error", listener: (...args: any[]) => void): unknown;
  removeListener(event: "drain" | "close" | "error", listener: (...args: any[]) => void): unknown;
  readonly destroyed?: boolean;
}

/** The part of Node's `Readable` berth uses. */
export interface NodeReadableLike {
  on(event: "data" | "end" | "error" | "close", listener: (...args: any[]) => void): unknown;
  removeListener(event: "data" | "end" | "error" | "close", listener: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  pipe: unknown;
}

/** Where output bytes go. Berth writes and waits for backpressure, but never ends or closes a sink. */
export type ByteSink = WritableStream<Uint8Array> | NodeWritableLike;

/** Where input bytes come from. Strings are sent as UTF-8. */
export type ByteSource =
  | ReadableStream<Uint8Array | string>
  | NodeReadableLike
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | Uint8Array
  | string;

/** A sink opened for writing. */
export interface OpenSink {
  write(chunk: Uint8Array): Promise<void> | void;
  /** Gives the sink back to its owner (releases a web writer's lock). */
  release(): void;
}

/** Opens a sink; writes resolve when the sink accepted the bytes (honouring its backpressure). */
export function openSink(sink: ByteSink): OpenSink {
  if (sink instanceof WritableStream) {
    const writer = sink.getWriter();
    return {
      write: (chunk) => writer.write(chunk),
      release: () => writer.releaseLock(),
    };
  }
  return {
    write: (chunk) => writeNode(sink, chunk),
    release: () => {},
  };
}

function writeNode(sink: NodeWritableLike, chunk: Uint8Array): Promise<void> | void {
  if (sink.destroyed) throw new Error("output stream was destroyed");
  let failed: Error | undefined;
  const accepted = sink.write(chunk, (error) => {
    if (error) failed = error;
  });
  if (accepted) return;
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      sink.removeListener("drain", onDrain);
      sink.removeListener("close", onClose);
      sink.removeListener("error", onError);
      if (error ?? failed) reject(error ?? failed);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("output stream closed while berth was writing to it"));
    const onError = (error: Error) => done(error);
    sink.once("drain", onDrain);
    sink.once("close", onClose);
    sink.once("error", onError);
  });
}

/**
 * Copies `source` into `writer` until the source ends (then resolves) or `stop` is called
 * (then resolves without touching the source further: a Node stream is left paused, a web
 * stream's lock released, an iterator returned).
 */
export function copySource(source: ByteSource, write: (chunk: Uint8Array) => Promise<void>): { done: Promise<void>; stop(): void } {
  if (typeof source === "string" || source instanceof Uint8Array) {
    const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
    return { done: bytes.length > 0 ? write(bytes) : Promise.resolve(), stop: () => {} };
  }
  if (source instanceof ReadableStream) return copyWeb(source, write);
  if (isNodeReadable(source)) return copyNode(source, write);
  return copyIterable(source, write);
}

const encoder = new TextEncoder();
const toBytes = (chunk: Uint8Array | string): Uint8Array => (typeof chunk === "string" ? encoder.encode(chunk) : chunk);

function isNodeReadable(value: unknown): value is NodeReadableLike {
  const v = value as Partial<NodeReadableLike>;
  return typeof v.on === "function" && typeof v.pause === "function" && typeof v.resume === "function" && typeof v.pipe === "function";
}

function copyWeb(source: ReadableStream<Uint8Array | string>, write: (chunk: Uint8Array) => Promise<void>) {
  const reader = source.getReader();
  let stopped = false;
  const done = (async () => {
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end || stopped) return;
      await write(toBytes(value));
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
      try {
        reader.releaseLock();
      } catch {
        // Runtimes without releaseLock-with-pending-read (older spec) keep the lock; nothing else to do.
      }
    },
  };
}

function copyIterable(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  write: (chunk: Uint8Array) => Promise<void>,
) {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
      : (source as Iterable<Uint8Array | string>)[Symbol.iterator]();
  let stopped = false;
  const done = (async () => {
    for (;;) {
      const { done: end, value } = await iterator.next();
      if (end || stopped) return;
      await write(toBytes(value));
    }
  })();
  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      void Promise.resolve(iterator.return?.()).catch(() => {});
    },
  };
}

function copyNode(source: NodeReadableLike, write: (chunk: Uint8Array) => Promise<void>) {
  let stop!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      source.removeListener("data", onData);
      source.removeListener("end", onEnd);
      source.removeListener("error", onError);
      source.removeListener("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Uint8Array | string) => {
      source.pause();
      write(toBytes(chunk)).then(
        () => {
          if (!finished) source.resume();
        },
        (error: unknown) => finish(error),
      );
    };
    const onEnd = () => finish();
    const onError = (error: unknown) => finish(error);
    const onClose = () => finish();
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    source.on("close", onClose);
    stop = () => {
      source.pause();
      finish();
    };
  });
  return { done, stop: () => stop() };
}
