/**
 * The JSON stream parser: both framings the daemon uses (objects back to back, JSON lines),
 * values split anywhere, malformed values as error items, the size cap, and a defined end.
 */
import { describe, expect, it } from "vitest";
import { JsonStreamParser, jsonStreamTransform, readJsonStream, type JsonStreamItem } from "../../src/codecs/json-stream.js";
import { DockerProtocolError } from "../../src/errors.js";

const encode = (text: string) => new TextEncoder().encode(text);

function parseChunks(chunks: Array<Uint8Array | string>, options?: { maxValueLength?: number }): JsonStreamItem[] {
  const parser = new JsonStreamParser(options);
  const items: JsonStreamItem[] = [];
  for (const chunk of chunks) parser.write(chunk, (item) => items.push(item));
  parser.end((item) => items.push(item));
  return items;
}

const values = (items: JsonStreamItem[]) => items.map((item) => (item.error ? { error: item.error.message } : item.value));

describe("JsonStreamParser", () => {
  it("parses objects back to back without separators (API v1.10 events)", () => {
    const text =
      '{"status":"create","id":"dfdf82bd3881","from":"base:latest","time":1374067924}' +
      '{"status":"start","id":"dfdf82bd3881","from":"base:latest","time":1374067924}';
    expect(values(parseChunks([encode(text)]))).toEqual([
      { status: "create", id: "dfdf82bd3881", from: "base:latest", time: 1374067924 },
      { status: "start", id: "dfdf82bd3881", from: "base:latest", time: 1374067924 },
    ]);
  });

  it("parses JSON lines, CRLF lines and blank lines", () => {
    expect(values(parseChunks([encode('{"a":1}\n\n{"b":2}\r\n  {"c":3}\n')]))).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it("gives each value's text, without the line end", () => {
    const items = parseChunks([encode('{"a": 1}  \r\n[1,2]{"x":"}"}')]);
    expect(items.map((item) => item.text)).toEqual(['{"a": 1}', "[1,2]", '{"x":"}"}']);
  });

  it("parses a value split at every byte position, including inside escapes and multi-byte characters", () => {
    const text = '{"s":"a\\"b\\\\","u":"é€😀\\u00e9","n":[1,{"d":[]}],"t":true}\n{"z":"}{]["}';
    const bytes = encode(text);
    const expected = values(parseChunks([bytes]));
    expect(expected).toEqual([{ s: 'a"b\\', u: "é€😀é", n: [1, { d: [] }], t: true }, { z: "}{][" }]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(values(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])), `cut at ${cut}`).toEqual(expected);
    }
    // and one byte at a time
    expect(values(parseChunks([...bytes].map((b) => Uint8Array.of(b))))).toEqual(expected);
  });

  it("parses top-level scalars and strings, delimited by whitespace, the next value or the end", () => {
    expect(values(parseChunks(['1 2.5e3\n"x y"{"a":1}-7 true null "q"', "42"]))).toEqual([
      1,
      2500,
      "x y",
      { a: 1 },
      -7,
      true,
      null,
      "q",
      42,
    ]);
  });

  it("reports a malformed value as an error item and goes on", () => {
    const items = parseChunks([encode('{"a":1}\n{"b":}\nnot json\n{"c":3}\n}\n{"d":4}')]);
    expect(values(items)).toEqual([
      { a: 1 },
      { error: expect.stringContaining('malformed JSON value in stream: "{\\"b\\":}"') },
      { error: expect.stringContaining("not") },
      { error: expect.stringContaining("json") },
      { c: 3 },
      { error: expect.stringContaining('"}"') },
      { d: 4 },
    ]);
    const error = items[1]!.error!;
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(error.code).toBe("ERR_PROTOCOL");
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("throws DockerProtocolError at the end when a value is cut, after the complete ones", () => {
    const parser = new JsonStreamParser();
    const items: JsonStreamItem[] = [];
    parser.write(encode('{"a":1}\n{"b":"unfinish'), (item) => items.push(item));
    expect(values(items)).toEqual([{ a: 1 }]);
    expect(parser.bufferedLength).toBe(14);
    expect(() => parser.end((item) => items.push(item))).toThrow(DockerProtocolError);
    expect(() => new JsonStreamParser().end(() => undefined)).not.toThrow();
  });

  it("accepts trailing whitespace at the end", () => {
    expect(values(parseChunks([encode('{"a":1}\n  \r\n\t')]))).toEqual([{ a: 1 }]);
  });

  it("cuts a value longer than the cap without keeping it, reports it, and goes on", () => {
    const big = `{"x":"${"y".repeat(1000)}"}`;
    const bytes = encode(`{"a":1}\n${big}\n{"b":2}\n`);
    const parser = new JsonStreamParser({ maxValueLength: 100 });
    const items: JsonStreamItem[] = [];
    let maxBuffered = 0;
    for (let at = 0; at < bytes.length; at += 16) {
      parser.write(bytes.subarray(at, at + 16), (item) => items.push(item));
      maxBuffered = Math.max(maxBuffered, parser.bufferedLength === 0 ? 0 : Math.min(parser.bufferedLength, 200));
    }
    parser.end((item) => items.push(item));
    expect(values(items)).toEqual([{ a: 1 }, { error: expect.stringContaining("exceeds the limit of 100") }, { b: 2 }]);
    expect(items[1]!.error).toBeInstanceOf(DockerProtocolError);
    // In one chunk, too (the fast path for lines respects the cap).
    expect(values(parseChunks([bytes], { maxValueLength: 100 }))).toEqual(values(items));
  });

  it("does not scan a long run of back-to-back values quadratically", () => {
    const one = '{"status":"create","id":"abc","time":1}';
    const text = one.repeat(20_000);
    const started = performance.now();
    const items = parseChunks([text]);
    expect(items).toHaveLength(20_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  // Issue 16 item 1: `{"a":` then a newline made every later value nest inside the open one.
  it("regression: a value cut off at a line end is one error item; every later line still parses", () => {
    const event = (n: number) => JSON.stringify({ Type: "container", Action: "start", id: `c${n}`, timeNano: n });
    for (const cut of ['{"a":', '{"a":"unterminated', '{"a":"x\\', '{"a":[1,{"b":', "[1,", '{"a":tr']) {
      const text = `${event(0)}\n${cut}\n${Array.from({ length: 200 }, (_, n) => event(n + 1)).join("\n")}\n`;
      for (const chunks of [[text], [...text]]) {
        const items = parseChunks(chunks);
        expect(
          items.filter((item) => item.error),
          cut,
        ).toHaveLength(1);
        expect(items[1]!.error, cut).toBeInstanceOf(DockerProtocolError);
        expect(items.filter((item) => !item.error).map((item) => (item.value as { id: string }).id)).toEqual(
          Array.from({ length: 201 }, (_, n) => `c${n}`),
        );
      }
    }
  });

  it("regression: an unterminated string is one error item, not one per later event", () => {
    const items = parseChunks(['{"a":"abc\n', '{"status":"x"}\n'.repeat(200)]);
    expect(items.filter((item) => item.error)).toHaveLength(1);
    expect(items.filter((item) => !item.error)).toHaveLength(200);
  });

  it("regression: a cut value before a long live stream holds nothing back once the next line parses", () => {
    const parser = new JsonStreamParser();
    const items: JsonStreamItem[] = [];
    parser.write('{"a":\n', (item) => items.push(item));
    let maxBuffered = 0;
    for (let n = 0; n < 20_000; n++) {
      parser.write(`{"status":"start","id":"c${n}","time":${n}}\n`, (item) => items.push(item));
      maxBuffered = Math.max(maxBuffered, parser.bufferedLength);
    }
    parser.end((item) => items.push(item));
    expect(items).toHaveLength(20_001);
    expect(items[0]!.error?.message).toMatch(/cut off by a new value on the next line: "\{\\"a\\":"/);
    expect(maxBuffered).toBe(0);
  });

  it("reports a value that grows past the cap as soon as it does, even if it never ends", () => {
    const parser = new JsonStreamParser({ maxValueLength: 100 });
    const items: JsonStreamItem[] = [];
    parser.write('{"a":', (item) => items.push(item));
    for (let n = 0; n < 20; n++) parser.write('{"b":1}', (item) => items.push(item));
    expect(values(items)).toEqual([{ error: expect.stringContaining("exceeds the limit of 100 characters") }]);
    expect(parser.bufferedLength).toBe(0);
  });

  it("keeps pretty-printed values whole: indented inner lines are never taken for a new value", () => {
    const value = { a: [{ b: 1 }, { c: [2, 3] }], d: { e: "f" } };
    const text = `${JSON.stringify(value, null, 2)}\n${JSON.stringify([{ x: 1 }], null, 1)}\n`;
    expect(values(parseChunks([text]))).toEqual([value, [{ x: 1 }]]);
  });

  it("refuses writes after the end", () => {
    const parser = new JsonStreamParser();
    parser.end(() => undefined);
    expect(() => parser.write("{}", () => undefined)).toThrow(DockerProtocolError);
  });
});

describe("jsonStreamTransform", () => {
  it("turns bytes into items and errors the stream on a cut value", async () => {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encode('{"a":1}{"b"'));
        controller.enqueue(encode(':2}\n{"c":'));
        controller.close();
      },
    });
    const reader = source.pipeThrough(jsonStreamTransform()).getReader();
    expect((await reader.read()).value).toEqual({ value: { a: 1 }, text: '{"a":1}' });
    expect((await reader.read()).value?.value).toEqual({ b: 2 });
    await expect(reader.read()).rejects.toBeInstanceOf(DockerProtocolError);
  });
});

describe("readJsonStream", () => {
  it("iterates a ReadableStream and cancels it when the loop stops early", async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encode('{"a":1}\n{"a":2}\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const item of readJsonStream(source)) {
      expect(item.value).toEqual({ a: 1 });
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("iterates an async iterable of chunks", async () => {
    async function* chunks() {
      yield encode('{"a"');
      yield encode(":1}");
    }
    const seen: unknown[] = [];
    for await (const item of readJsonStream(chunks())) seen.push(item.value);
    expect(seen).toEqual([{ a: 1 }]);
  });
});
