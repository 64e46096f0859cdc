/**
 * The CLI's progress views: the plain one-line-per-state-change fallback and the terminal
 * redraw, fed a recorded-shape pull stream through berth's own fold (`ProgressState`).
 */
import { describe, expect, it } from "vitest";
import { createProgressView, layerLine, permanentText, progressBar } from "../../src/cli/progress-view.js";
import { ProgressState, type ProgressMessage } from "../../src/index.js";

/** A pull of one new layer over an existing one, as Docker 20.10 streams it. */
const PULL: ProgressMessage[] = [
  { status: "Pulling from team/app", id: "v1" },
  { status: "Already exists", id: "aaaaaaaaaaaa", progressDetail: {} },
  { status: "Pulling fs layer", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Downloading", id: "bbbbbbbbbbbb", progress: "[=>   ]", progressDetail: { current: 1000, total: 4000 } },
  { status: "Downloading", id: "bbbbbbbbbbbb", progress: "[==>  ]", progressDetail: { current: 2000, total: 4000 } },
  { status: "Downloading", id: "bbbbbbbbbbbb", progress: "[====>]", progressDetail: { current: 4000, total: 4000 } },
  { status: "Verifying Checksum", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Download complete", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Extracting", id: "bbbbbbbbbbbb", progressDetail: { current: 4000, total: 4000 } },
  { status: "Pull complete", id: "bbbbbbbbbbbb", progressDetail: {} },
  { status: "Digest: sha256:" + "c".repeat(64) },
  { status: "Status: Downloaded newer image for registry:5000/team/app:v1" },
];

function render(messages: ProgressMessage[], tty: boolean, columns = 100): string {
  let out = "";
  let clock = 0;
  const view = createProgressView({ write: (text) => (out += text) }, { tty, columns, redrawMs: 100, now: () => (clock += 30) });
  const state = new ProgressState();
  for (const message of messages) {
    state.apply(message);
    view.update(message, state.snapshot(false));
  }
  view.finish(state.snapshot(true));
  return out;
}

describe("plain progress (not a terminal)", () => {
  it("prints one line per layer state change, never one per byte count", () => {
    expect(render(PULL, false)).toBe(
      [
        "v1: Pulling from team/app",
        "aaaaaaaaaaaa: Already exists",
        "bbbbbbbbbbbb: Pulling fs layer",
        "bbbbbbbbbbbb: Downloading",
        "bbbbbbbbbbbb: Verifying Checksum",
        "bbbbbbbbbbbb: Download complete",
        "bbbbbbbbbbbb: Extracting",
        "bbbbbbbbbbbb: Pull complete",
        "Digest: sha256:" + "c".repeat(64),
        "Status: Downloaded newer image for registry:5000/team/app:v1",
        "",
      ].join("\n"),
    );
  });

  it("prints build output as the daemon sent it", () => {
    const out = render(
      [{ stream: "Step 1/2 : FROM busybox\n" }, { stream: " ---> 0123456789ab\n" }, { aux: { ID: "sha256:" + "d".repeat(64) } }],
      false,
    );
    expect(out).toBe("Step 1/2 : FROM busybox\n ---> 0123456789ab\n");
  });

  it("has no escape sequences", () => {
    expect(render(PULL, false)).not.toMatch(/\x1b/);
  });
});

describe("terminal progress", () => {
  it("redraws the layer block in place and prints lasting lines above it", () => {
    const out = render(PULL, true);
    // First lasting line, then the first block of one layer.
    expect(out.startsWith("v1: Pulling from team/app\naaaaaaaaaaaa: Already exists\n")).toBe(true);
    // Each redraw moves up over the lines drawn before and erases to the end of the screen.
    expect(out).toContain("\x1b[1A\r\x1b[J");
    expect(out).toContain("\x1b[2A\r\x1b[J");
    expect(out).toMatch(/bbbbbbbbbbbb: Downloading +\[=+>? *\] 1kB\/4kB\n/);
    // Lasting lines come above the block, which is drawn again below them.
    expect(out).toContain("\x1b[2A\r\x1b[JDigest: sha256:");
    const finalBlock = out.slice(out.lastIndexOf("\x1b[J") + 3);
    expect(finalBlock).toBe("aaaaaaaaaaaa: Already exists\nbbbbbbbbbbbb: Pull complete\n");
  });

  it("throttles byte-count redraws but always draws a status change", () => {
    let out = "";
    let now = 0;
    const view = createProgressView({ write: (text) => (out += text) }, { tty: true, columns: 100, redrawMs: 100, now: () => now });
    const state = new ProgressState();
    const feed = (message: ProgressMessage) => {
      state.apply(message);
      view.update(message, state.snapshot(false));
    };
    feed({ status: "Downloading", id: "bbbbbbbbbbbb", progressDetail: { current: 1, total: 100 } });
    const afterFirst = out;
    feed({ status: "Downloading", id: "bbbbbbbbbbbb", progressDetail: { current: 2, total: 100 } });
    expect(out).toBe(afterFirst); // same status, 0 ms later: no redraw
    now = 150;
    feed({ status: "Downloading", id: "bbbbbbbbbbbb", progressDetail: { current: 3, total: 100 } });
    expect(out.length).toBeGreaterThan(afterFirst.length);
    const beforeChange = out;
    feed({ status: "Download complete", id: "bbbbbbbbbbbb" });
    expect(out.slice(beforeChange.length)).toContain("Download complete");
  });

  it("cuts lines to the terminal width so they never wrap", () => {
    const out = render(PULL, true, 30);
    const blockLines = out.split(/\n|\x1b\[J/).filter((line) => line.startsWith("bbbb"));
    for (const line of blockLines) expect(line.length).toBeLessThanOrEqual(29);
  });
});

describe("bar pieces", () => {
  it("progressBar fills in proportion", () => {
    expect(progressBar(0, 100, 10)).toBe("[          ]");
    expect(progressBar(50, 100, 10)).toBe("[====>     ]");
    expect(progressBar(100, 100, 10)).toBe("[==========]");
    expect(progressBar(500, 100, 10)).toBe("[==========]");
  });

  it("layerLine shows counts only while there is something to measure", () => {
    expect(layerLine({ id: "abc", status: "Waiting", current: 0, total: undefined, done: false })).toBe("abc: Waiting");
    expect(layerLine({ id: "abc", status: "Pushed", current: 10, total: 10, done: true })).toBe("abc: Pushed");
    expect(layerLine({ id: "abc", status: "Pushing", current: 1500, total: 3000, done: false })).toMatch(
      /^abc: Pushing +\[=+> *\] 1\.5kB\/3kB$/,
    );
  });

  it("permanentText keeps build output and statuses that are not about a layer", () => {
    expect(permanentText({ stream: "Step 1\n" }, false)).toBe("Step 1\n");
    expect(permanentText({ status: "Waiting", id: "abc" }, true)).toBeUndefined();
    expect(permanentText({ status: "Pulling from x", id: "latest" }, false)).toBe("latest: Pulling from x\n");
  });
});
