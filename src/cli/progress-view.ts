/**
 * Live progress of pull, push and build, drawn from the daemon's JSON messages and berth's
 * folded snapshots (`ProgressState`).
 *
 * - On a terminal: one line per layer with a bar and byte counts, redrawn in place (the cursor
 *   moves up over the block and rewrites it), at most every `redrawMs`; lines meant to stay
 *   (build output, statuses without a layer) are printed above the block.
 * - Elsewhere (a pipe, a file, CI logs): plain text, one line each time a layer's status
 *   changes (byte counts alone print nothing), plus the lines meant to stay.
 *
 * No library: the redraw is a handful of ANSI sequences (cursor up, erase to end of screen),
 * which every terminal berth's runtimes run in understands, and which keeps the runtime
 * dependencies at none for this.
 */
import { formatBytes } from "./format.js";
import type { LayerProgress, ProgressMessage, ProgressSnapshot } from "../index.js";

/** Where the view writes: text only, synchronously (progress is small and rate-limited). */
export interface TextSink {
  write(text: string): unknown;
}

/** Shows one operation's progress. */
export interface ProgressView {
  /** One message, and the state after it. */
  update(message: ProgressMessage, snapshot: ProgressSnapshot): void;
  /** The operation ended (successfully or not): draws the final state. */
  finish(snapshot?: ProgressSnapshot): void;
}

/** Options of `createProgressView`. */
export interface ProgressViewOptions {
  /** Redraw in place (a terminal) or print plain lines. */
  tty: boolean;
  /** Terminal width; lines are cut to it so they never wrap (wrapping would break the redraw). */
  columns?: number | undefined;
  /** Least milliseconds between two redraws on a terminal (default 100). */
  redrawMs?: number | undefined;
  /** Clock, for tests. */
  now?: (() => number) | undefined;
}

/** Creates the view for the output's kind; see the file comment. */
export function createProgressView(sink: TextSink, options: ProgressViewOptions): ProgressView {
  return options.tty ? new TerminalProgressView(sink, options) : new PlainProgressView(sink);
}

/** Text a message asks to keep on screen: build output, or a status that is not about one layer. */
export function permanentText(message: ProgressMessage, isLayer: boolean): string | undefined {
  if (typeof message.stream === "string") return message.stream;
  if (typeof message.status === "string" && !isLayer) {
    return `${message.id ? `${message.id}: ` : ""}${message.status}${message.progress ? ` ${message.progress}` : ""}\n`;
  }
  return undefined;
}

/** True when `message` reports on a layer `snapshot` tracks. */
function isLayerMessage(message: ProgressMessage, snapshot: ProgressSnapshot): boolean {
  return message.id !== undefined && snapshot.layers.some((layer) => layer.id === message.id);
}

/** The non-terminal fallback: one line per layer state change. */
export class PlainProgressView implements ProgressView {
  readonly #sink: TextSink;
  readonly #printed = new Map<string, string>();

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  update(message: ProgressMessage, snapshot: ProgressSnapshot): void {
    const isLayer = isLayerMessage(message, snapshot);
    const text = permanentText(message, isLayer);
    if (text !== undefined) {
      this.#sink.write(text);
      return;
    }
    if (!isLayer) return;
    const layer = snapshot.layers.find((candidate) => candidate.id === message.id)!;
    if (this.#printed.get(layer.id) === layer.status) return;
    this.#printed.set(layer.id, layer.status);
    this.#sink.write(`${layer.id}: ${layer.status}\n`);
  }

  finish(): void {}
}

/** The terminal view: per-layer bars redrawn in place. */
export class TerminalProgressView implements ProgressView {
  readonly #sink: TextSink;
  readonly #columns: number;
  readonly #redrawMs: number;
  readonly #now: () => number;
  /** Lines of the block currently on screen. */
  #drawnLines = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #latest: ProgressSnapshot | undefined;
  readonly #statuses = new Map<string, string>();

  constructor(sink: TextSink, options: ProgressViewOptions) {
    this.#sink = sink;
    // A pseudo-terminal without a size (e.g. under `script`) reports 0 columns.
    this.#columns = Math.max(20, options.columns || 80);
    this.#redrawMs = options.redrawMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  update(message: ProgressMessage, snapshot: ProgressSnapshot): void {
    this.#latest = snapshot;
    const isLayer = isLayerMessage(message, snapshot);
    const text = permanentText(message, isLayer);
    let statusChanged = false;
    if (isLayer) {
      const layer = snapshot.layers.find((candidate) => candidate.id === message.id)!;
      statusChanged = this.#statuses.get(layer.id) !== layer.status;
      this.#statuses.set(layer.id, layer.status);
    }
    if (text !== undefined) {
      this.#erase();
      this.#sink.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
      this.#draw(snapshot);
    } else if (statusChanged || this.#now() - this.#lastDraw >= this.#redrawMs) {
      this.#redraw(snapshot);
    }
  }

  finish(snapshot?: ProgressSnapshot): void {
    const last = snapshot ?? this.#latest;
    if (last) this.#redraw(last);
  }

  #redraw(snapshot: ProgressSnapshot): void {
    this.#erase();
    this.#draw(snapshot);
  }

  /** Moves the cursor to the start of the block and clears from there down. */
  #erase(): void {
    if (this.#drawnLines > 0) this.#sink.write(`\x1b[${this.#drawnLines}A\r\x1b[J`);
    this.#drawnLines = 0;
  }

  #draw(snapshot: ProgressSnapshot): void {
    const lines = snapshot.layers.map((layer) => fit(layerLine(layer), this.#columns - 1));
    if (lines.length > 0) this.#sink.write(`${lines.join("\n")}\n`);
    this.#drawnLines = lines.length;
    this.#lastDraw = this.#now();
  }
}

const BAR_WIDTH = 40;

/** `id: Status [=====>     ] 1.2MB/3.4MB`, or `id: Status` when there is nothing to measure. */
export function layerLine(layer: LayerProgress): string {
  const counts = layer.done
    ? undefined
    : (layer.detail ?? (layer.total !== undefined ? { current: layer.current, total: layer.total } : undefined));
  const head = `${layer.id}: ${layer.status}`;
  if (!counts || counts.total === undefined || counts.total <= 0) return head;
  return `${head.padEnd(34)} ${progressBar(counts.current, counts.total)} ${formatBytes(counts.current)}/${formatBytes(counts.total)}`;
}

/** `[====>      ]`, `BAR_WIDTH` wide inside the brackets. */
export function progressBar(current: number, total: number, width = BAR_WIDTH): string {
  const ratio = Math.min(1, Math.max(0, total > 0 ? current / total : 0));
  const filled = Math.floor(ratio * width);
  const body = filled === 0 ? "" : filled >= width ? "=".repeat(width) : `${"=".repeat(filled - 1)}>`;
  return `[${body.padEnd(width)}]`;
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : line.slice(0, width);
}
