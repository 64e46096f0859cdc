/**
 * Node stream views of an attach session, for code built on `stream.pipeline` and friends.
 * `node:stream`'s web adapters exist on Node, Bun and Deno alike.
 */
import { Readable, Writable } from "node:stream";
import type { AttachSession } from "./session.js";

/** The session's streams as Node streams. */
export interface AttachNodeStreams {
  stdout: Readable;
  stderr: Readable;
  /** Ending it half-closes the connection (EOF to the container). */
  stdin: Writable;
}

/** Wraps `session.stdout`, `session.stderr` and `session.stdin` (locking them). */
export function toNodeStreams(session: AttachSession): AttachNodeStreams {
  // node:stream's fromWeb is typed with node's own web stream types; the DOM ones are the same objects.
  type WebReadable = Parameters<typeof Readable.fromWeb>[0];
  type WebWritable = Parameters<typeof Writable.fromWeb>[0];
  return {
    stdout: Readable.fromWeb(session.stdout as unknown as WebReadable),
    stderr: Readable.fromWeb(session.stderr as unknown as WebReadable),
    stdin: Writable.fromWeb(session.stdin as unknown as WebWritable),
  };
}
