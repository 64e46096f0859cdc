/**
 * What every command works with: the process's streams and environment, the global options,
 * and the client, credential store and interrupt signal, each made on first use so that
 * `berth --help` or a usage error never touches the daemon or the docker configuration.
 */
import type { Readable, Writable } from "node:stream";
import {
  BERTH_VERSION,
  createCredentialStore,
  DockerClient,
  fromEnv,
  type CredentialStore,
  type ResolvedConnection,
  type SshOptions,
} from "../index.js";

/** A stream the CLI writes to: `process.stdout` / `process.stderr`, or a test double. */
export type OutputStream = Writable & { isTTY?: boolean | undefined; columns?: number | undefined; rows?: number | undefined };

/** A stream the CLI reads from: `process.stdin`, or a test double. */
export type InputStream = Readable & { isTTY?: boolean | undefined; setRawMode?: ((mode: boolean) => unknown) | undefined };

/** The signals the CLI reacts to. */
export type ForwardedSignal = "SIGINT" | "SIGTERM";

/** The process surroundings a command runs in. */
export interface CliIo {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** The environment `fromEnv` and the credential store read. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Options given before the command (`berth -H tcp://host:2376 ps`). */
export interface GlobalOptions {
  /** `-H/--host`: the daemon, instead of what the environment selects. */
  host?: string | undefined;
  /** `-c/--context`: a docker context, instead of what the environment selects. */
  context?: string | undefined;
  /** `--ssh-config`, `--ssh-identity`, `--ssh-option`: how ssh runs for an ssh:// daemon. */
  ssh?: SshOptions | undefined;
}

/** The command's view of the world; see the file comment. */
export class CliContext {
  readonly io: CliIo;
  readonly globals: GlobalOptions;
  #client: DockerClient | undefined;
  #connection: ResolvedConnection | undefined;
  #credentials: CredentialStore | undefined;
  readonly #interrupt = new AbortController();
  #signalHandler: ((signal: ForwardedSignal) => void) | undefined;

  constructor(io: CliIo, globals: GlobalOptions = {}) {
    this.io = io;
    this.globals = globals;
  }

  /**
   * The daemon to use, resolved like the docker CLI: `-H` beats `-c`, which beats the
   * environment (`DOCKER_HOST`, `DOCKER_CONTEXT`, config.json's `currentContext`).
   */
  connection(): ResolvedConnection {
    if (this.#connection) return this.#connection;
    const env = { ...this.io.env };
    if (this.globals.host !== undefined) {
      // The TLS variables still apply to a host given with -H, as with `docker -H`.
      env["DOCKER_HOST"] = this.globals.host;
    } else if (this.globals.context !== undefined) {
      delete env["DOCKER_HOST"];
      env["DOCKER_CONTEXT"] = this.globals.context;
    }
    this.#connection = fromEnv(env);
    return this.#connection;
  }

  /** The client for this run (one connection pool shared by every call). */
  client(): DockerClient {
    this.#client ??= new DockerClient({ ...this.connection().options, ssh: this.globals.ssh, userAgent: `berth-cli/${cliVersion()}` });
    return this.#client;
  }

  /** Registry credentials from the docker configuration (config.json, helpers, `DOCKER_AUTH_CONFIG`). */
  credentials(): CredentialStore {
    this.#credentials ??= createCredentialStore({ env: this.io.env });
    return this.#credentials;
  }

  /** Aborted when the user interrupts (SIGINT/SIGTERM): long-running commands stop on it. */
  get signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  /** Aborts `signal`. */
  interrupt(reason: string): void {
    if (!this.#interrupt.signal.aborted) this.#interrupt.abort(new Error(reason));
  }

  /**
   * Hands SIGINT/SIGTERM to `handler` instead of aborting `signal` (`run` forwards them to the
   * container, as `docker run` does). Returns the function that undoes it.
   */
  handleSignals(handler: (signal: ForwardedSignal) => void): () => void {
    this.#signalHandler = handler;
    return () => {
      if (this.#signalHandler === handler) this.#signalHandler = undefined;
    };
  }

  /** Called by main.ts's process signal handlers. */
  deliverSignal(signal: ForwardedSignal): void {
    if (this.#signalHandler) this.#signalHandler(signal);
    else this.interrupt(signal);
  }

  /** Releases the client's connections. */
  async close(): Promise<void> {
    await this.#client?.close();
  }
}

/** The CLI's version: berth's. */
export function cliVersion(): string {
  return BERTH_VERSION;
}

/**
 * Writes to a stream and resolves once it accepted the bytes (waits for `drain` when its buffer
 * is full), so large outputs are not piled up in memory.
 */
export function writeOut(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const accepted = stream.write(chunk, (error) => {
      if (error) reject(error);
    });
    if (accepted) resolve();
    else {
      const onDrain = () => {
        stream.removeListener("error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        stream.removeListener("drain", onDrain);
        reject(error);
      };
      stream.once("drain", onDrain);
      stream.once("error", onError);
    }
  });
}
