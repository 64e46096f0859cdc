/**
 * Incremental parser for a stream of JSON values: the body of `/events` (old daemons write
 * objects back to back with no separator, newer ones one per line) and the progress streams
 * of build, pull and push (JSON lines).
 *
 * `JsonStreamParser` is a scanner with explicit states: BETWEEN values (whitespace skipped),
 * CONTAINER (inside `{}`/`[]`, counting depth), STRING (inside a string, with a pending
 * backslash remembered across chunks) and SCALAR (a top-level number or literal, which only
 * whitespace, the next value or the end of input can delimit). Each chunk is decoded once and
 * each character is looked at once: a value split across chunks keeps its earlier pieces and
 * the scan resumes where it stopped. Strings are skipped with `indexOf`, not char by char.
 *
 * A complete value is handed to `JSON.parse`. What it rejects, or a value longer than
 * `maxValueLength`, becomes an error item and the scan goes on with the next value (an
 * oversized value is reported when it crosses the limit and skipped without being kept). End
 * of input inside a value is a `DockerProtocolError` thrown by `end()`: a cut value is never
 * dropped silently.
 *
 * Resynchronisation (issue 16 item 1): a value cut off by the daemon (`{"a":` then a newline)
 * would otherwise swallow every later value, each nesting inside the open one. Two rules end
 * such a value at a line boundary, report it once as an error item, and go on with the next
 * value, so nothing after it is lost:
 * - a raw line feed inside a string: JSON forbids control characters in strings, so the value
 *   is malformed for sure, and the scan resumes after the line feed;
 * - inside an open container, a line that starts in column 0 with `{` or `[` and is by itself
 *   one complete value: that is the next value of a JSON-lines stream. Pretty-printed values
 *   indent their inner lines, so they never trigger it (a hand-made `[` / `{...}` / `]` with an
 *   unindented inner object would: no daemon writes that).
 * Values written back to back without newlines (API v1.10 events) have no line to resync at:
 * there a cut value is reported when it exceeds `maxValueLength`.
 */
import { DockerProtocolError } from "../errors.js";

/** One parsed value with the text it came from, or a value that could not be parsed. */
export type JsonStreamItem =
  { value: unknown; text: string; error?: undefined } | { error: DockerProtocolError; value?: undefined; text?: undefined };

/** Options of the JSON stream parser. */
export interface JsonStreamOptions {
  /**
   * Longest single value, in UTF-16 code units of its text (= bytes for ASCII JSON). A longer
   * value is reported as an error item and skipped. Default `DEFAULT_MAX_JSON_VALUE_LENGTH`.
   */
  maxValueLength?: number | undefined;
}

/** Default `maxValueLength`: 16 Mi characters. */
export const DEFAULT_MAX_JSON_VALUE_LENGTH = 16 * 1024 * 1024;

// Scanner states (plain numbers rather than an enum, so every runtime's type stripping accepts the file).
const BETWEEN = 0;
const CONTAINER = 1;
const STRING = 2;
const SCALAR = 3;

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Whether the line ending at `newline` ends with the bracket that closes `open` (whitespace
 * skipped): only then can it be one whole value, so a pretty-printed value's first line (`{`)
 * is not handed to `JSON.parse` just to fail.
 */
function endsLikeValue(s: string, newline: number, open: number): boolean {
  let j = newline - 1;
  while (j >= 0 && isWhitespace(s.charCodeAt(j))) j--;
  return s.charCodeAt(j) === (open === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
}

/** How much of a bad value an error message quotes. */
const SNIPPET_LENGTH = 120;

/**
 * The scanner. `write(chunk, emit)` calls `emit` for every value completed by the chunk, in
 * order; `end(emit)` finishes the input. `emit` must not throw.
 */
export class JsonStreamParser {
  readonly maxValueLength: number;
  private readonly decoder = new TextDecoder("utf-8");
  private state = BETWEEN;
  private depth = 0;
  /** STRING state: the string is a top-level value (ends the value when it closes). */
  private topLevelString = false;
  /** STRING state: the previous chunk ended right after a backslash. */
  private escapePending = false;
  /** Pieces of the current value from earlier chunks, and their total length. */
  private pieces: string[] = [];
  private piecesLength = 0;
  /** The current value passed `maxValueLength`: it is scanned to its end but not kept (already reported). */
  private oversized = false;
  /** CONTAINER state: the last character scanned was a line feed. */
  private atLineStart = false;
  /**
   * CONTAINER state: the current line began in column 0 with `{`/`[` at this depth, so it may be
   * the next value of a JSON-lines stream (see the file comment). Its text from earlier chunks
   * is kept apart from the value's, so it survives an oversized value.
   */
  private lineCandidate = false;
  private lineDepth = 0;
  private linePieces: string[] = [];
  private lineLength = 0;
  private ended = false;

  constructor(options: JsonStreamOptions = {}) {
    this.maxValueLength = options.maxValueLength ?? DEFAULT_MAX_JSON_VALUE_LENGTH;
  }

  /** Characters of an unfinished value held between chunks. */
  get bufferedLength(): number {
    return this.oversized ? 0 : this.piecesLength;
  }

  /** Feeds the next chunk of bytes (or already decoded text). */
  write(chunk: Uint8Array | string, emit: (item: JsonStreamItem) => void): void {
    if (this.ended) throw new DockerProtocolError("JSON stream written after its end");
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length > 0) this.scan(text, emit);
  }

  /** End of input. Completes a trailing scalar; throws `DockerProtocolError` if a value is cut. */
  end(emit: (item: JsonStreamItem) => void): void {
    if (this.ended) return;
    const rest = this.decoder.decode();
    if (rest.length > 0) this.scan(rest, emit);
    this.ended = true;
    if (this.state === SCALAR) {
      this.complete("", 0, 0, emit);
      return;
    }
    if (this.state !== BETWEEN) {
      const length = this.piecesLength;
      const head = this.pieces.join("").slice(0, SNIPPET_LENGTH);
      this.pieces = [];
      this.piecesLength = 0;
      throw new DockerProtocolError(
        `JSON stream ended inside a value (${length} characters received${head ? `: ${JSON.stringify(head)}` : ""})`,
      );
    }
  }

  private scan(s: string, emit: (item: JsonStreamItem) => void): void {
    const n = s.length;
    let i = 0;
    // Where the current value starts in `s`; 0 when it began in an earlier chunk.
    let start = 0;
    // Next backslash at or after `i` in STRING state (-1: none left in `s`; -2: not looked up yet).
    let nextBackslash = -2;
    // Next newline at or after `i` (same convention), and the end of a line that failed the fast path.
    let nextNewline = -2;
    let lineFastPathBlockedUntil = -1;
    // Where the current line candidate starts in `s`; 0 when it began in an earlier chunk.
    let lineStart = 0;
    while (i < n) {
      switch (this.state) {
        case BETWEEN: {
          const c = s.charCodeAt(i);
          if (isWhitespace(c)) {
            i++;
            continue;
          }
          if ((c === OPEN_BRACE || c === OPEN_BRACKET) && i > lineFastPathBlockedUntil) {
            // JSON lines fast path: a valid JSON text holds no raw newline, so if the text up to
            // the next newline parses, it is exactly one value. Anything else (values back to
            // back, a pretty-printed or malformed value) fails the parse and is scanned instead,
            // and the path stays off until the scan passes that newline, so no text is tried twice.
            if (nextNewline !== -1 && nextNewline < i) nextNewline = s.indexOf("\n", i);
            if (nextNewline !== -1 && nextNewline - i <= this.maxValueLength && endsLikeValue(s, nextNewline, c)) {
              const text = s.slice(i, nextNewline);
              let parsed = false;
              let value: unknown;
              try {
                value = JSON.parse(text);
                parsed = true;
              } catch {
                lineFastPathBlockedUntil = nextNewline;
              }
              if (parsed) {
                emit({ value, text: isWhitespace(text.charCodeAt(text.length - 1)) ? text.trimEnd() : text });
                i = nextNewline + 1;
                continue;
              }
            }
          }
          start = i++;
          if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            this.state = CONTAINER;
            this.depth = 1;
          } else if (c === QUOTE) {
            this.state = STRING;
            this.topLevelString = true;
          } else {
            this.state = SCALAR;
          }
          break;
        }
        case CONTAINER: {
          for (; i < n; i++) {
            const c = s.charCodeAt(i);
            if (c === NEWLINE) {
              if (this.lineCandidate && this.depth === this.lineDepth && this.resyncAtLine(s, start, lineStart, i, emit)) {
                i++;
                break;
              }
              this.lineCandidate = false;
              this.atLineStart = true;
              continue;
            }
            if (this.atLineStart) {
              this.atLineStart = false;
              if (c === OPEN_BRACE || c === OPEN_BRACKET) {
                this.lineCandidate = true;
                this.lineDepth = this.depth;
                this.linePieces = [];
                this.lineLength = 0;
                lineStart = i;
              }
            }
            if (c === QUOTE) {
              this.state = STRING;
              this.topLevelString = false;
              i++;
              break;
            } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
              this.depth++;
            } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
              if (--this.depth === 0) {
                i++;
                this.complete(s, start, i, emit);
                break;
              }
              if (this.depth < this.lineDepth) this.lineCandidate = false;
            }
          }
          break;
        }
        case STRING: {
          if (this.escapePending) {
            this.escapePending = false;
            if (s.charCodeAt(i) === NEWLINE) {
              this.fail(s, start, i, emit);
              i++;
              break;
            }
            i++;
            continue;
          }
          const quote = s.indexOf('"', i);
          if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = s.indexOf("\\", i);
          if (nextNewline !== -1 && nextNewline < i) nextNewline = s.indexOf("\n", i);
          // A raw line feed in a string (escaped or not) is never JSON: the value ends there.
          if (nextNewline !== -1 && (quote === -1 || nextNewline < quote) && (nextBackslash === -1 || nextBackslash >= nextNewline - 1)) {
            this.fail(s, start, nextNewline, emit);
            i = nextNewline + 1;
            break;
          }
          if (nextBackslash !== -1 && (quote === -1 || nextBackslash < quote)) {
            // Skip the backslash and the character it escapes (which may be in the next chunk).
            if (nextBackslash + 1 >= n) {
              this.escapePending = true;
              i = n;
            } else {
              i = nextBackslash + 2;
            }
            continue;
          }
          if (quote === -1) {
            i = n;
            continue;
          }
          i = quote + 1;
          if (this.topLevelString) this.complete(s, start, i, emit);
          else this.state = CONTAINER;
          break;
        }
        default: {
          // SCALAR: a number or literal runs until whitespace or the start of another value.
          for (; i < n; i++) {
            const c = s.charCodeAt(i);
            if (isWhitespace(c) || c === OPEN_BRACE || c === OPEN_BRACKET || c === QUOTE) break;
          }
          if (i < n) this.complete(s, start, i, emit);
          break;
        }
      }
    }
    if (this.state !== BETWEEN) this.keep(s, start, lineStart, emit);
  }

  /** Keeps the unfinished value's part of this chunk (and the line candidate's) for the next one. */
  private keep(s: string, start: number, lineStart: number, emit: (item: JsonStreamItem) => void): void {
    const length = s.length - start;
    this.piecesLength += length;
    if (this.lineCandidate) {
      this.lineLength += s.length - lineStart;
      if (this.lineLength > this.maxValueLength) this.lineCandidate = false;
      else this.linePieces.push(lineStart === 0 ? s : s.slice(lineStart));
    }
    if (this.oversized) return;
    if (this.piecesLength > this.maxValueLength) {
      // Reported now, not at the value's end: a value that never ends must not stay silent.
      this.oversized = true;
      this.pieces = [];
      emit({ error: oversizedValueError(this.maxValueLength) });
      return;
    }
    this.pieces.push(start === 0 ? s : s.slice(start));
  }

  /** Back to BETWEEN, with nothing of the current value held. */
  private reset(): { pieces: string[]; length: number; oversized: boolean } {
    const held = { pieces: this.pieces, length: this.piecesLength, oversized: this.oversized };
    this.state = BETWEEN;
    this.pieces = [];
    this.piecesLength = 0;
    this.oversized = false;
    this.escapePending = false;
    this.atLineStart = false;
    this.lineCandidate = false;
    this.linePieces = [];
    this.lineLength = 0;
    return held;
  }

  /** The current value, up to `end` of `s`, is malformed for sure: report it (once) and go on after it. */
  private fail(s: string, start: number, end: number, emit: (item: JsonStreamItem) => void): void {
    const held = this.reset();
    if (held.oversized) return;
    const text = held.pieces.join("") + s.slice(start, end);
    emit({ error: malformedValueError(text) });
  }

  /**
   * At the line feed at `newline`: if the line that began in column 0 is one complete value,
   * the open value before it was cut off. Reports that one, hands on the line's value, and
   * returns true; returns false (the line is part of the open value) otherwise.
   */
  private resyncAtLine(s: string, start: number, lineStart: number, newline: number, emit: (item: JsonStreamItem) => void): boolean {
    const line = (this.linePieces.length > 0 ? this.linePieces.join("") : "") + s.slice(lineStart, newline);
    // A line over the limit is never a resync point, however the input was split (see `keep`).
    if (line.length > this.maxValueLength || !endsLikeValue(line, line.length, line.charCodeAt(0))) return false;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return false;
    }
    const held = this.reset();
    if (!held.oversized) {
      const upToLine = held.pieces.join("") + s.slice(start, newline);
      const cut = upToLine.slice(0, upToLine.length - line.length).trimEnd();
      const snippet = cut.length > SNIPPET_LENGTH ? `${cut.slice(0, SNIPPET_LENGTH)}…` : cut;
      emit({ error: new DockerProtocolError(`JSON value in stream cut off by a new value on the next line: ${JSON.stringify(snippet)}`) });
    }
    emit({ value, text: line.trimEnd() });
    return true;
  }

  /** The value ending at `end` of `s` is complete: parse it and hand it on. */
  private complete(s: string, start: number, end: number, emit: (item: JsonStreamItem) => void): void {
    const held = this.reset();
    const length = held.length + (end - start);
    if (held.oversized) return;
    if (length > this.maxValueLength) {
      emit({ error: oversizedValueError(this.maxValueLength) });
      return;
    }
    const text = held.pieces.length === 0 ? s.slice(start, end) : held.pieces.join("") + s.slice(start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      emit({ error: malformedValueError(text, cause) });
      return;
    }
    emit({ value, text });
  }
}

/** The error item of a value longer than the limit (reported once, as soon as it crosses it). */
function oversizedValueError(limit: number): DockerProtocolError {
  return new DockerProtocolError(`JSON value exceeds the limit of ${limit} characters (skipped to its end)`);
}

/** The error item of a value `JSON.parse` rejects (or that cannot be JSON), quoting its start. */
function malformedValueError(text: string, cause?: unknown): DockerProtocolError {
  const snippet = text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text;
  return new DockerProtocolError(`malformed JSON value in stream: ${JSON.stringify(snippet)}`, cause === undefined ? undefined : { cause });
}

/**
 * The parser as a `TransformStream`: bytes in, `{value, text}` / `{error}` items out. A value
 * cut by the end of input errors the readable side with a `DockerProtocolError`.
 */
export function jsonStreamTransform(options?: JsonStreamOptions): TransformStream<Uint8Array, JsonStreamItem> {
  const parser = new JsonStreamParser(options);
  return new TransformStream<Uint8Array, JsonStreamItem>({
    transform(chunk, controller) {
      parser.write(chunk, (item) => controller.enqueue(item));
    },
    flush(controller) {
      parser.end((item) => controller.enqueue(item));
    },
  });
}

/**
 * Iterates the values of a byte stream. Leaving the loop early (break, throw) cancels the
 * source, which releases its connection. A cut final value throws `DockerProtocolError`.
 */
export async function* readJsonStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options?: JsonStreamOptions,
): AsyncGenerator<JsonStreamItem, void, undefined> {
  const parser = new JsonStreamParser(options);
  const ready: JsonStreamItem[] = [];
  const emit = (item: JsonStreamItem) => {
    ready.push(item);
  };
  if (source instanceof ReadableStream) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          break;
        }
        parser.write(next.value, emit);
        yield* drain(ready);
      }
      parser.end(emit);
      yield* drain(ready);
    } finally {
      if (!done) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
    return;
  }
  for await (const chunk of source) {
    parser.write(chunk, emit);
    yield* drain(ready);
  }
  parser.end(emit);
  yield* drain(ready);
}

function* drain(items: JsonStreamItem[]): Generator<JsonStreamItem> {
  // Take the batch off first: a consumer that stops mid-way leaves nothing behind.
  const batch = items.splice(0, items.length);
  for (const item of batch) yield item;
}
