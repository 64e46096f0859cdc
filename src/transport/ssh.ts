/**
 * The ssh transport: `ssh://[user@]host[:port][/socket]` through the system OpenSSH client, on
 * Node, Bun and Deno alike. Each connection is one child process
 *
 *     ssh [-F config] [-i identity] -o BatchMode=yes -o ConnectTimeout=30 [-o ...] -T [-l user] [-p port] -- host \
 *       docker [--host=unix://socket] system dial-stdio
 *
 * (the docker CLI's connection helper does the same), whose stdin/stdout carry HTTP/1.1: berth's
 * own client (node-http1.ts) keeps processes alive across requests, and hijacked attach/exec
 * take a process of their own, with closing stdin as the half-close. Because it is OpenSSH,
 * ~/.ssh/config, the agent, ProxyJump and known_hosts apply; BatchMode makes it fail rather
 * than prompt.
 *
 * Limits: at most `maxProcesses` (8) processes at once, below sshd's default MaxStartups and
 * MaxSessions (10); more requests queue. A hijacked connection never takes the last slot, so
 * requests (starting the container it waits for, say) always get through. Pooled processes end
 * after `idleTimeoutMs` (30 s) idle, and on `close()`; a slot wanted while every process is
 * idle in the pool ends the oldest idle one.
 */
import type { SshEndpoint } from "../docker-host.js";
import { formatEndpoint } from "../docker-host.js";
import { DockerAbortError, InvalidOptionError, type RequestSummary } from "../errors.js";
import type { TransportRequest } from "./messages.js";
import { Http1Pool } from "./http1-pool.js";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from "./options.js";
import { nodeSocketToRaw } from "./node-socket.js";
import { SshProcess } from "./ssh-process.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions, type RawConnection, type Transport, type TransportOptions } from "./types.js";

/** How berth runs ssh for an `ssh://` endpoint. */
export interface SshOptions {
  /** The ssh binary. Default `ssh` (found on PATH). */
  binary?: string | undefined;
  /** `-i`: a private key file to offer (the agent and ssh's config still apply). */
  identityFile?: string | undefined;
  /** `-F`: an ssh config file used instead of ~/.ssh/config. */
  configFile?: string | undefined;
  /** Extra `-o` options, each `Name=value` (e.g. `StrictHostKeyChecking=accept-new`). */
  options?: readonly string[] | undefined;
  /** Most ssh processes at once (requests and hijacked connections together). Default 8, at least 2. */
  maxProcesses?: number | undefined;
  /** Milliseconds an idle pooled process is kept. Default 30 000; 0 keeps it until `close()`. */
  idleTimeoutMs?: number | undefined;
}

export const DEFAULT_SSH_MAX_PROCESSES = 8;
export const DEFAULT_SSH_IDLE_TIMEOUT_MS = 30_000;

/** The ssh command line (binary aside) for one connection to `endpoint`. */
export function sshArguments(endpoint: SshEndpoint, ssh: SshOptions, connectTimeoutMs: number): string[] {
  const args: string[] = [];
  if (ssh.configFile !== undefined) args.push("-F", ssh.configFile);
  if (ssh.identityFile !== undefined) args.push("-i", ssh.identityFile);
  // Command-line options win over the config files (ssh takes the first value it sees).
  args.push("-o", "BatchMode=yes");
  if (connectTimeoutMs > 0) args.push("-o", `ConnectTimeout=${Math.max(1, Math.ceil(connectTimeoutMs / 1000))}`);
  for (const option of ssh.options ?? []) args.push("-o", option);
  args.push("-T");
  if (endpoint.user !== undefined) args.push("-l", endpoint.user);
  if (endpoint.port !== undefined) args.push("-p", String(endpoint.port));
  args.push("--", endpoint.host, "docker");
  if (endpoint.socketPath !== undefined) args.push(`--host=unix://${endpoint.socketPath}`);
  args.push("system", "dial-stdio");
  return args;
}

/** Checks the ssh options once, so that a bad one is an InvalidOptionError rather than an ssh usage message later. */
function checkedSshOptions(ssh: SshOptions | undefined): Required<Pick<SshOptions, "maxProcesses" | "idleTimeoutMs">> & SshOptions {
  const options = {
    ...ssh,
    maxProcesses: ssh?.maxProcesses ?? DEFAULT_SSH_MAX_PROCESSES,
    idleTimeoutMs: ssh?.idleTimeoutMs ?? DEFAULT_SSH_IDLE_TIMEOUT_MS,
  };
  if (!Number.isSafeInteger(options.maxProcesses) || options.maxProcesses < 2) {
    throw new InvalidOptionError("ssh.maxProcesses", "must be an integer of at least 2 (one is kept for requests)");
  }
  if (!Number.isFinite(options.idleTimeoutMs) || options.idleTimeoutMs < 0)
    throw new InvalidOptionError("ssh.idleTimeoutMs", "must be 0 or more");
  for (const [name, value] of [
    ["ssh.binary", options.binary],
    ["ssh.identityFile", options.identityFile],
    ["ssh.configFile", options.configFile],
  ] as const) {
    if (value !== undefined && (value === "" || /[\x00-\x1f\x7f]/.test(value))) {
      throw new InvalidOptionError(name, "must be a non-empty path without control characters");
    }
  }
  for (const option of options.options ?? []) {
    if (!/^[A-Za-z][A-Za-z0-9]*(=|\s)/.test(option) || /[\x00-\x1f\x7f]/.test(option.replace(/\t/g, " "))) {
      throw new InvalidOptionError("ssh.options", `${JSON.stringify(option)} is not an ssh option of the form Name=value`);
    }
  }
  return options;
}

interface SlotWaiter {
  /** Slots that must stay free after this one is granted. */
  reserve: number;
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort(): void;
}

/**
 * The process budget of one transport, shared by the pool and hijacked connections. Slots are
 * released when a process has exited, so the count is of processes that exist.
 */
class ProcessSlots {
  readonly #cap: number;
  #used = 0;
  readonly #waiters: SlotWaiter[] = [];
  /** Pooled processes idle now, oldest first: ended when a slot is wanted and none is free. */
  readonly idle: SshProcess[] = [];

  constructor(cap: number) {
    this.#cap = cap;
  }

  get used(): number {
    return this.#used;
  }

  acquire(reserve: number, signal: AbortSignal | undefined, request?: RequestSummary): Promise<void> {
    if (signal?.aborted) return Promise.reject(new DockerAbortError({ cause: signal.reason, ...(request ? { request } : {}) }));
    if (this.#used + reserve < this.#cap) {
      this.#used++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: SlotWaiter = {
        reserve,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(new DockerAbortError({ cause: signal?.reason, ...(request ? { request } : {}) }));
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      // Idle pooled processes give way: the slot comes back when the process has exited.
      this.idle.shift()?.destroy();
    });
  }

  release(): void {
    this.#used--;
    for (let i = 0; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i]!;
      if (this.#used + waiter.reserve >= this.#cap) continue;
      this.#waiters.splice(i, 1);
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.#used++;
      waiter.resolve();
      return;
    }
  }
}

/** Creates the transport for an `ssh://` endpoint (every runtime). */
export function createSshTransport(options: TransportOptions & { ssh?: SshOptions | undefined }): Transport {
  const endpoint = options.endpoint;
  if (endpoint.kind !== "ssh") throw new InvalidOptionError("endpoint", "the ssh transport needs an ssh:// endpoint");
  const endpointText = formatEndpoint(endpoint);
  const ssh = checkedSshOptions(options.ssh);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const binary = ssh.binary ?? "ssh";
  const args = sshArguments(endpoint, ssh, connectTimeoutMs);
  const slots = new ProcessSlots(ssh.maxProcesses);

  /** Takes a slot (waiting for one), then starts the process; its exit gives the slot back. */
  async function start(reserve: number, pooled: boolean, signal: AbortSignal | undefined, request?: RequestSummary): Promise<SshProcess> {
    await slots.acquire(reserve, signal, request);
    let process: SshProcess;
    const dropIdle = () => {
      const index = slots.idle.indexOf(process);
      if (index >= 0) slots.idle.splice(index, 1);
    };
    try {
      process = new SshProcess({
        binary,
        args,
        endpointText,
        idleTimeoutMs: pooled ? ssh.idleTimeoutMs : 0,
        onExit: () => {
          dropIdle();
          slots.release();
        },
        onIdle: (idle) => {
          dropIdle();
          if (idle) slots.idle.push(process);
        },
      });
    } catch (error) {
      slots.release();
      throw error;
    }
    return process;
  }

  const maxSockets = Math.min(options.maxSockets ?? ssh.maxProcesses, ssh.maxProcesses);
  const pool = new Http1Pool({
    endpoint,
    endpointText,
    connectTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs ?? 0,
    responseTimeoutMs: options.responseTimeoutMs ?? 0,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    maxSockets,
    dial: ({ signal, request }) => start(0, true, signal, request),
  });

  async function connect(connectOptions?: ConnectOptions): Promise<RawConnection> {
    const signal = connectOptions?.signal;
    if (signal?.aborted) throw new DockerAbortError({ cause: signal.reason });
    const process = await start(1, false, signal);
    return nodeSocketToRaw(process, endpointText, signal);
  }

  return {
    endpoint,
    // Http1Pool.fetch is async: whatever it throws becomes a rejection.
    fetch: (request: TransportRequest) => pool.fetch(request),
    connect,
    async close() {
      pool.close();
    },
  };
}
