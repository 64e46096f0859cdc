/**
 * Property: any sequence of JSON values, written back to back or as lines and split into
 * chunks anywhere (inside strings, escapes and multi-byte characters), parses to the same
 * values as parsing each one alone.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonStreamParser, type JsonStreamItem } from "../../src/codecs/json-stream.js";

/** Splits `bytes` at the given cut points (any order, duplicates allowed: empty chunks too). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function parseAll(chunks: Uint8Array[]): JsonStreamItem[] {
  const parser = new JsonStreamParser();
  const items: JsonStreamItem[] = [];
  for (const chunk of chunks) parser.write(chunk, (item) => items.push(item));
  parser.end((item) => items.push(item));
  return items;
}

// Containers only for back-to-back framing: two scalars back to back (`1 2` without the space) are ambiguous.
const containerArb = fc.oneof(fc.object({ maxDepth: 3 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }));
const separatorArb = fc.constantFrom("", "\n", "\r\n", " ", "\n\n", "\t");

describe("JsonStreamParser properties", () => {
  it("any concatenation split anywhere parses to the same values", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(containerArb, separatorArb, fc.boolean()), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (entries, cuts) => {
          const text = entries
            .map(([value, separator, pretty]) => JSON.stringify(value, null, pretty ? 2 : undefined) + separator)
            .join("");
          const bytes = new TextEncoder().encode(text);
          const items = parseAll(split(bytes, cuts));
          expect(items.every((item) => item.error === undefined)).toBe(true);
          // JSON.stringify/parse round trip: what the parser returns is what JSON.parse returns.
          expect(items.map((item) => item.value)).toEqual(entries.map(([value]) => JSON.parse(JSON.stringify(value))));
          expect(items.map((item) => JSON.parse(item.text!))).toEqual(items.map((item) => item.value));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("scalars separated by whitespace parse the same when split anywhere", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 0 }), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 6 }), (scalars, cuts) => {
        const bytes = new TextEncoder().encode(scalars.map((value) => JSON.stringify(value)).join("\n"));
        const items = parseAll(split(bytes, cuts));
        expect(items.map((item) => item.value)).toEqual(scalars.map((value) => JSON.parse(JSON.stringify(value))));
      }),
      { numRuns: 300 },
    );
  });

  it("a malformed value in between is one error item; the values around it survive any split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.object({ maxDepth: 2 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('{"a":}', "{,}", '{"x":tru}', "[1 2]"),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (objects, bad, where, cuts) => {
          const at = where % (objects.length + 1);
          const lines = objects.map((o) => JSON.stringify(o));
          lines.splice(at, 0, bad);
          const items = parseAll(split(new TextEncoder().encode(lines.join("\n") + "\n"), cuts));
          expect(items.filter((item) => item.error !== undefined)).toHaveLength(1);
          expect(items.findIndex((item) => item.error !== undefined)).toBe(at);
          expect(items.filter((item) => item.error === undefined).map((item) => item.value)).toEqual(
            objects.map((o) => JSON.parse(JSON.stringify(o))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  // Issue 16 item 1: random malformed values (cut-off values, bad syntax) between
  // valid events, split anywhere: every valid event is delivered, in order, and each run of bad
  // lines is reported (once per run at least, never more than once per bad line). Stray closing
  // brackets are left out: after a cut `{` a `}` line completes a valid (pretty-printed) `{}`.
  it("a cut-off or malformed line between events loses no later event, split anywhere", () => {
    const eventArb = fc.record({
      Type: fc.constantFrom("container", "image", "network"),
      Action: fc.constantFrom("create", "start", "die"),
      Actor: fc.record({ ID: fc.string({ minLength: 1, maxLength: 12 }), Attributes: fc.dictionary(fc.string(), fc.string()) }),
      timeNano: fc.nat(),
    });
    const cutArb = fc
      .tuple(
        fc.object({ maxDepth: 2 }).filter((o) => JSON.stringify(o).length > 2),
        fc.nat(),
      )
      .map(([o, at]) => {
        const text = JSON.stringify(o);
        return text.slice(0, 1 + (at % (text.length - 1)));
      });
    const badArb = fc.oneof(cutArb, fc.constantFrom("{,}", '{"a" 1}', "[1 2]", '{"x":tru}', '"open string'));
    const lineArb = fc.oneof(
      { weight: 3, arbitrary: eventArb.map((e) => ({ good: true as const, text: JSON.stringify(e), e })) },
      {
        weight: 1,
        arbitrary: badArb.map((text) => ({ good: false as const, text, e: undefined })),
      },
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 12 }), eventArb, fc.array(fc.nat(), { maxLength: 8 }), (lines, last, cuts) => {
        const all = [...lines, { good: true as const, text: JSON.stringify(last), e: last }];
        const items = parseAll(split(new TextEncoder().encode(all.map((line) => line.text).join("\n") + "\n"), cuts));
        expect(items.filter((item) => item.error === undefined).map((item) => item.value)).toEqual(
          all.filter((line) => line.good).map((line) => JSON.parse(line.text)),
        );
        // Between two delivered events, the errors are at least 1 and at most the bad lines there.
        let bad = 0;
        let errors = 0;
        let at = 0;
        for (const line of all) {
          if (!line.good) {
            bad++;
            continue;
          }
          while (items[at]?.error !== undefined) {
            errors++;
            at++;
          }
          expect(errors >= Math.min(bad, 1) && errors <= bad).toBe(true);
          at++;
          bad = 0;
          errors = 0;
        }
      }),
      { numRuns: 500 },
    );
  });
});
