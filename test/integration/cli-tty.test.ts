/**
 * The `berth` CLI in a pseudo-terminal (test/integration/pty-run.py, Python's pty module):
 * progress bars redrawn in place, `run -t` sizing the container's TTY at start and on
 * SIGWINCH, and `run -it` putting the terminal in raw mode (Ctrl-C reaches the container).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onPodman, testImage, testRegistry, uniqueName } from "../helpers/daemon.js";
import { berth, cliEnv, MAIN, ROOT } from "./cli.helpers.js";

const PTY_RUN = fileURLToPath(new URL("./pty-run.py", import.meta.url));

interface PtyOptions {
  rows?: number;
  cols?: number;
  input?: string;
  inputAfter?: string;
  resizeAfter?: string;
  resize?: string;
}

/** Runs `berth ARGS...` in a pseudo-terminal; resolves with what the terminal showed and the exit code. */
function berthInPty(args: readonly string[], options: PtyOptions = {}): Promise<{ code: number; screen: string }> {
  const flags = [`--rows=${options.rows ?? 30}`, `--cols=${options.cols ?? 100}`];
  if (options.input !== undefined) flags.push(`--input=${options.input}`);
  if (options.inputAfter !== undefined) flags.push(`--input-after=${options.inputAfter}`);
  if (options.resizeAfter !== undefined) flags.push(`--resize-after=${options.resizeAfter}`, `--resize=${options.resize}`);
  return new Promise((resolve, reject) => {
    execFile(
      "python3",
      [PTY_RUN, ...flags, "--", process.execPath, "--import", "tsx", MAIN, ...args],
      { cwd: ROOT, env: cliEnv(), encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        if (code === null) reject(error);
        // The container's TTY turns \n into \r\n and the local terminal may add another \r.
        else resolve({ code, screen: stdout.replace(/\r+\n/g, "\r\n") });
      },
    );
  });
}

const images: string[] = [];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "berth-cli-tty-"));
});
afterAll(async () => {
  for (const image of images) await berth(["rmi", "-f", image]);
  await rm(work, { recursive: true, force: true });
});

describe("progress on a terminal", () => {
  it("pull redraws one bar per layer in place", async () => {
    const context = join(work, "pull");
    await mkdir(context);
    // A layer of some size, so the download has byte counts to draw.
    await writeFile(join(context, "Dockerfile"), `FROM ${testImage()}\nRUN dd if=/dev/urandom of=/blob bs=1024 count=600 2>/dev/null\n`);
    const image = `${testRegistry()}/berth-test/${uniqueName("cli-tty")}:v1`;
    images.push(image);
    expect((await berth(["build", "-q", "-t", image, context])).code).toBe(0);
    expect((await berth(["push", image])).code).toBe(0);
    await berth(["rmi", image]);

    const { code, screen } = await berthInPty(["pull", image]);
    expect(code).toBe(0);
    if (onPodman()) {
      // podman 4.3 sends no byte counts while pulling (docs/podman.md): the layer states only
      expect(screen).toMatch(/[0-9a-f]{12}: Already exists\r\n/);
      expect(screen).toMatch(/[0-9a-f]{12}: Download complete\r\n/);
      expect(screen.trimEnd().endsWith(image)).toBe(true);
      return;
    }
    // Cursor up over the block, back to column 0, erase to the end of the screen: a redraw.
    expect(screen).toMatch(/\x1b\[\dA\r\x1b\[J/);
    expect(screen).toMatch(/[0-9a-f]{12}: (Downloading|Extracting) +\[=*>? *\] [\d.]+[kM]?B\/[\d.]+[kM]?B\r\n/);
    // The last drawn block shows every layer finished, then the result.
    const lastBlock = screen.slice(screen.lastIndexOf("\x1b[J") + 3);
    expect(lastBlock).toMatch(/^[0-9a-f]{12}: Already exists\r\n[0-9a-f]{12}: Pull complete\r\n/);
    expect(screen.trimEnd().endsWith(image)).toBe(true);
    // Bar lines never exceed the terminal width (a wrapped line would break the redraw).
    const barLines = screen.split(/\r\n|\r|\x1b\[J/).filter((line) => /^[0-9a-f]{12}: /.test(line));
    expect(barLines.length).toBeGreaterThan(2);
    for (const line of barLines) expect(line.length).toBeLessThan(100);
  });

  it("build prints its output above the bars", async () => {
    const context = join(work, "build");
    await mkdir(context);
    await writeFile(join(context, "Dockerfile"), `FROM ${testImage()}\nRUN echo built-in-a-pty\n`);
    const image = `berth-test/${uniqueName("cli-tty-build")}:v1`;
    images.push(image);
    const { code, screen } = await berthInPty(["build", "-t", image, context]);
    expect(code).toBe(0);
    expect(screen).toContain(onPodman() ? "STEP 2/2: RUN echo built-in-a-pty\r\n" : "Step 2/2 : RUN echo built-in-a-pty\r\n");
    expect(screen).toMatch(/Successfully tagged (docker\.io\/)?berth-test\/.*:v1\r\n/);
  });

  it("export refuses to write a tar archive to the terminal", async () => {
    const { code, screen } = await berthInPty(["export", "whatever"]);
    expect(code).toBe(2);
    expect(screen).toContain("refusing to write a tar archive to a terminal");
  });
});

describe("run with a TTY", () => {
  it("-t sizes the container's TTY to the terminal, and again on SIGWINCH", async () => {
    const script = [
      "sleep 0.5; stty size; echo ready",
      'i=0; while [ "$(stty size)" != "40 120" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
      "stty size; exit 6",
    ].join("; ");
    const { code, screen } = await berthInPty(["run", "-t", "--rm", testImage(), "sh", "-c", script], {
      rows: 30,
      cols: 100,
      resizeAfter: "ready",
      resize: "40x120",
    });
    expect(screen).toBe("30 100\r\nready\r\n40 120\r\n");
    expect(code).toBe(6);
  });

  it("-it puts the terminal in raw mode: typed keys, Ctrl-C included, reach the container", async () => {
    const script = 'trap "echo got-int; exit 4" INT; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done';
    const { code, screen } = await berthInPty(["run", "-it", "--rm", testImage(), "sh", "-c", script], {
      input: "\\x03",
      inputAfter: "ready",
    });
    expect(screen).toContain("got-int");
    expect(code).toBe(4);
  });

  it("-it runs an interactive shell", async () => {
    const { code, screen } = await berthInPty(["run", "-it", "--rm", testImage(), "sh"], {
      input: "echo typed-$((6*7))\\nexit 5\\n",
      inputAfter: "# ",
    });
    expect(screen).toContain("typed-42\r\n");
    expect(code).toBe(5);
  });
});
