/**
 * The practical limit: the least a client can do for a Docker call. A keep-alive `node:http`
 * agent on the unix socket, the version in the path, the body read whole and `JSON.parse`d,
 * no validation, no error types, no abstractions. The benchmark also uses it for setup and
 * cleanup, so that preparing a scenario never depends on the client being measured.
 */
import http from "node:http";
import type net from "node:net";

/** A complete answer. */
export interface RawResponse {
  status: number;
  body: Buffer;
}

/** The socket path of a `unix://` DOCKER_HOST (the only kind the benchmark uses). */
export function socketPathOf(host: string): string {
  if (!host.startsWith("unix://")) throw new Error(`the benchmark needs a unix:// daemon host, got ${host}`);
  return host.slice("unix://".length);
}

/** Minimal keep-alive HTTP/1.1 client for one daemon socket. */
export class RawHttp {
  readonly agent: http.Agent;

  constructor(
    readonly socketPath: string,
    /** Prefix of every path, e.g. `/v1.41`. */
    readonly prefix = "/v1.41",
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** One request, the answer read whole. */
  request(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path: this.prefix + path,
          headers: payload ? { "content-type": "application/json", "content-length": payload.length } : undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** A request whose answer must be 2xx JSON (or empty); throws with the daemon's text otherwise. */
  async json<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.toString().trim()}`);
    return (res.body.length ? JSON.parse(res.body.toString()) : undefined) as T;
  }

  /** A request whose answer is read as a stream; resolves at the response head. */
  stream(method: string, path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, agent: this.agent, method, path: this.prefix + path }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          reject(new Error(`${method} ${path}: ${res.statusCode}`));
        } else resolve(res);
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** A hijacked request (`Upgrade: tcp`): resolves with the raw socket and the bytes read past the head. */
  upgrade(path: string): Promise<{ socket: net.Socket; head: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        method: "POST",
        path: this.prefix + path,
        headers: { connection: "Upgrade", upgrade: "tcp" },
      });
      req.on("upgrade", (_res, socket, head) => resolve({ socket, head }));
      req.on("response", (res) => {
        res.resume();
        reject(new Error(`POST ${path}: expected 101, got ${res.statusCode}`));
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** Releases the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/**
 * Counts the payload bytes of a multiplexed stream (8-byte headers `{type,0,0,0,size}`), the
 * least work a demultiplexer can do: no routing, no objects per frame.
 */
export function payloadCounter(): { push(chunk: Uint8Array): void; readonly payload: number } {
  let headerFill = 0;
  let size = 0;
  let remaining = 0;
  let payload = 0;
  return {
    push(chunk) {
      let i = 0;
      const n = chunk.length;
      while (i < n) {
        if (remaining > 0) {
          const take = remaining < n - i ? remaining : n - i;
          remaining -= take;
          payload += take;
          i += take;
        } else {
          if (headerFill >= 4) size = size * 256 + chunk[i]!;
          i++;
          if (++headerFill === 8) {
            remaining = size;
            headerFill = 0;
            size = 0;
          }
        }
      }
    },
    get payload() {
      return payload;
    },
  };
}
