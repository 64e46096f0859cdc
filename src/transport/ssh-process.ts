/**
 * One `ssh ... docker system dial-stdio` child process as a duplex byte stream: what the pool
 * carries requests over and what a hijacked attach/exec takes whole (see ssh.ts).
 *
 * - Writing goes to the child's stdin; `end()` closes stdin, which is the half-close (ssh
 *   forwards the EOF, `dial-stdio` shuts down the write side of its daemon connection).
 * - Reading comes from the child's stdout. The first bytes must be HTTP (`HTTP/`): anything else
 *   is the remote printing on the tunnel (a banner, a shell rc) and fails the stream as
 *   `DockerSshError` `unexpected-output` instead of being parsed as an answer.
 * - The end is decided once the process has exited: a clean exit ends the stream, any other one
 *   fails it with a `DockerSshError` classified from ssh's stderr (the last few KiB are kept).
 * - `destroy()` sends SIGTERM, then SIGKILL after a grace period. Every live child is also
 *   killed when the JavaScript process exits, so none outlives its parent.
 *
 * `node:child_process` on all three runtimes: Bun and Deno implement it (pipes, signals,
 * `ref`/`unref`), so one file serves them all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Duplex } from "node:stream";
import { DockerSshError, type SshFailure } from "../errors.js";

/** Bytes of ssh's stderr kept for error messages (the end of it, where the reason is). */
const STDERR_KEPT_BYTES = 4 * 1024;
/** Bytes of unexpected stdout quoted in an `unexpected-output` error. */
const UNEXPECTED_QUOTED_BYTES = 200;
/** Milliseconds between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
const HTTP_PREFIX = "HTTP/";

/** What to run and how to name it in errors. */
export interface SshProcessOptions {
  binary: string;
  args: readonly string[];
  /** `ssh://...` as errors name it. */
  endpointText: string;
  /** Milliseconds an unref'd (idle, pooled) process lives before it is ended; 0 = forever. */
  idleTimeoutMs: number;
  /** Called once when the process has exited (or failed to start). */
  onExit?: (() => void) | undefined;
  /** Called when the process goes idle in a pool (`unref`) and when it is taken again (`ref`). */
  onIdle?: ((idle: boolean) => void) | undefined;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills what is left when the JavaScript process exits (synchronously: only signals can be sent then). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** ssh processes of this JavaScript process that are still running (tests check it drops to 0). */
export function liveSshProcessCount(): number {
  return live.size;
}

/** Their process ids, oldest first (the fault tests kill one mid-stream). */
export function liveSshProcessIds(): number[] {
  return [...live].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
}

/** The duplex over one ssh child process (see the file comment). */
export class SshProcess extends Duplex {
  readonly child: ChildProcess;
  readonly #options: SshProcessOptions;
  #stderr = "";
  #head: Buffer | undefined = Buffer.alloc(0);
  #stdoutEnded = false;
  #exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  #terminating = false;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;

  constructor(options: SshProcessOptions) {
    super({ allowHalfOpen: true });
    this.#options = options;
    installExitHook();
    const child = spawn(options.binary, options.args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    this.child = child;
    live.add(child);
    child.stdin!.on("error", () => {
      // EPIPE when the process died first: its exit (status and stderr) tells why.
    });
    child.stdout!.on("data", (chunk: Buffer) => this.#onStdout(chunk));
    child.stdout!.on("end", () => {
      this.#stdoutEnded = true;
      this.#settle();
    });
    child.stdout!.on("error", () => {});
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT_BYTES);
    });
    child.stderr!.on("error", () => {});
    let exited = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (exited) return;
      exited = true;
      live.delete(child);
      clearTimeout(this.#killTimer);
      clearTimeout(this.#idleTimer);
      this.#exit = error ? { code, signal, error } : { code, signal };
      options.onExit?.();
      this.#settle();
    };
    child.once("error", (error) => {
      // Spawning failed (no ssh binary): no 'exit' follows, and stdout never opens.
      this.#stdoutEnded = true;
      onGone(null, null, error);
    });
    child.once("exit", (code, signal) => onGone(code, signal));
  }

  /** How ssh's stderr reads so far (bounded). */
  get stderrText(): string {
    return this.#stderr;
  }

  #onStdout(chunk: Buffer): void {
    if (this.#head !== undefined) {
      // Until five bytes have come, check they begin an HTTP answer.
      const head = Buffer.concat([this.#head, chunk]);
      const prefix = head.subarray(0, HTTP_PREFIX.length).toString("latin1");
      if (!HTTP_PREFIX.startsWith(prefix) && !prefix.startsWith(HTTP_PREFIX)) {
        this.#head = undefined;
        this.#fail(
          "unexpected-output",
          `the remote printed ${JSON.stringify(head.subarray(0, UNEXPECTED_QUOTED_BYTES).toString("utf8"))} before the daemon's answer (a login banner or shell startup output on stdout?)`,
        );
        return;
      }
      if (head.length < HTTP_PREFIX.length) {
        this.#head = head;
        return;
      }
      this.#head = undefined;
      chunk = head;
    }
    if (!this.push(chunk)) this.child.stdout!.pause();
  }

  /** Both stdout ended and the process exited: end the stream, or fail it with the reason. */
  #settle(): void {
    if (this.#finished || !this.#stdoutEnded || this.#exit === undefined) return;
    this.#finished = true;
    if (this.destroyed) return;
    const { code, signal, error } = this.#exit;
    if (code === 0 && !error) {
      this.push(null);
      return;
    }
    const kind = classifySshFailure(this.#stderr, code, error);
    this.#fail(kind, describeFailure(kind, this.#stderr, code, signal, error));
  }

  #fail(kind: SshFailure, message: string): void {
    if (this.destroyed) return;
    const exit = this.#exit;
    this.destroy(
      new DockerSshError(kind, `ssh to ${this.#options.endpointText} failed: ${message}`, this.#options.endpointText, {
        stderr: this.#stderr.trim(),
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        ...(exit?.error ? { cause: exit.error } : {}),
      }),
    );
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const stdin = this.child.stdin!;
    if (this.#exit !== undefined || stdin.destroyed) {
      // The exit's own error (with ssh's reason) follows through #settle; the write is dropped.
      callback();
      return;
    }
    if (stdin.write(chunk)) callback();
    else stdin.once("drain", () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin?.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#terminate();
    callback(error);
  }

  /** SIGTERM now, SIGKILL if it is still there after the grace period. */
  #terminate(): void {
    clearTimeout(this.#idleTimer);
    if (this.#exit !== undefined || this.#terminating) return;
    this.#terminating = true;
    const child = this.child;
    child.stdin?.destroy();
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    this.#killTimer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, KILL_GRACE_MS);
    this.#killTimer.unref?.();
  }

  /** In use again: keeps the JavaScript process alive, as a busy socket does. */
  ref(): this {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#setRef(true);
    this.#options.onIdle?.(false);
    return this;
  }

  /** Idle in the pool: does not keep the JavaScript process alive, and ends after the idle timeout. */
  unref(): this {
    this.#setRef(false);
    const { idleTimeoutMs } = this.#options;
    if (idleTimeoutMs > 0 && this.#exit === undefined) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(() => this.destroy(), idleTimeoutMs);
      this.#idleTimer.unref?.();
    }
    this.#options.onIdle?.(true);
    return this;
  }

  #setRef(on: boolean): void {
    const child = this.child;
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown[]) {
      const target = handle as { ref?: () => void; unref?: () => void } | null;
      try {
        if (on) target?.ref?.();
        else target?.unref?.();
      } catch {
        // a runtime without ref/unref on pipes: the process stays referenced, nothing worse
      }
    }
  }
}

/** What went wrong, from ssh's stderr, its exit status and a spawn error. */
export function classifySshFailure(stderr: string, code: number | null, error?: Error): SshFailure {
  if (error) return (error as { code?: string }).code === "ENOENT" ? "no-ssh" : "exited";
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed|No \S+ host key is known/i.test(stderr)
  ) {
    return "host-key";
  }
  if (/Permission denied \(|Too many authentication failures|No more authentication methods|Authentication failed/i.test(stderr))
    return "auth";
  if (
    /Connection refused|Connection timed out|Operation timed out|No route to host|Could not resolve hostname|Name or service not known|Network is unreachable|kex_exchange_identification|banner exchange|Connection closed by \S+ port \d+$/im.test(
      stderr,
    )
  ) {
    return "unreachable";
  }
  if (code === 127 || /\bdocker\b.*(command not found|not found)|unknown command "?system"?|dial-stdio.*unknown/i.test(stderr))
    return "no-docker";
  return "exited";
}

const FAILURE_TEXT: Record<SshFailure, string> = {
  "host-key": "the remote host key is unknown or has changed (check known_hosts; berth never answers ssh's prompts)",
  auth: "the remote refused the authentication (BatchMode: keys and the agent only, no passwords)",
  unreachable: "the host cannot be reached",
  "no-docker": "the remote has no docker CLI to run `docker system dial-stdio`",
  "unexpected-output": "the remote printed output that is not HTTP",
  "no-ssh": "the ssh binary cannot be run",
  exited: "the ssh process ended",
};

function describeFailure(kind: SshFailure, stderr: string, code: number | null, signal: string | null, error?: Error): string {
  const status = error ? error.message : signal ? `killed by ${signal}` : `exit status ${code}`;
  const reason = lastLines(stderr);
  return `${FAILURE_TEXT[kind]} (${status})${reason ? `: ${reason}` : ""}`;
}

/** The meaningful end of ssh's stderr, on one line, without ssh's routine warnings. */
function lastLines(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^Warning: Permanently added/.test(line));
  return lines.slice(-3).join(" | ").slice(-500);
}
