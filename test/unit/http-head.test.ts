import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpHeadParser, MAX_HTTP_HEAD_BYTES, headerValue, type ParsedHttpHead } from "../../src/codecs/http-head.js";
import { DockerProtocolError } from "../../src/errors.js";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

/** What Docker 20.10 answers to an upgrade request on attach (API 1.12 and 1.41 alike). */
const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

function parse(chunks: Uint8Array[]): ParsedHttpHead {
  const parser = new HttpHeadParser();
  for (let i = 0; i < chunks.length; i++) {
    const result = parser.push(chunks[i]!);
    if (result) {
      const rest = [...result.rest, ...chunks.slice(i + 1).flatMap((c) => [...c])];
      return { head: result.head, rest: Uint8Array.from(rest) };
    }
  }
  return parser.end();
}

describe("HttpHeadParser", () => {
  it("parses the daemon's 101 answer and hands back the bytes after it", () => {
    const { head, rest } = parse([bytes(`${UPGRADED}\x01\x00\x00\x00\x00\x00\x00\x02hi`)]);
    expect(head.status).toBe(101);
    expect(head.reason).toBe("UPGRADED");
    expect(head.httpVersion).toBe("1.1");
    expect(headerValue(head, "Content-Type")).toBe("application/vnd.docker.raw-stream");
    expect(head.headers.get("upgrade")).toEqual(["tcp"]);
    expect(head.byteLength).toBe(UPGRADED.length);
    expect([...rest]).toEqual([1, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
  });

  it("returns the rest as a view into the last chunk (no copy)", () => {
    const chunk = bytes(`${UPGRADED}stream`);
    const result = new HttpHeadParser().push(chunk)!;
    expect(result.rest.buffer).toBe(chunk.buffer);
    expect(text(result.rest)).toBe("stream");
  });

  it("parses a head split byte by byte", () => {
    const all = bytes(`${UPGRADED}x`);
    const parser = new HttpHeadParser();
    let result: ParsedHttpHead | undefined;
    for (let i = 0; i < all.length && !result; i++) result = parser.push(all.subarray(i, i + 1));
    expect(result?.head.status).toBe(101);
    // The terminating LF was the last byte of its chunk; "x" comes in the next one.
    expect(result?.rest.length).toBe(0);
  });

  it("keeps repeated headers, lowercases names, trims values, allows an empty reason and bare LF lines", () => {
    const { head } = parse([bytes("HTTP/1.0 200\nSet-Cookie: a=1\nset-cookie:b=2  \nX-Empty:\n\n")]);
    expect(head.status).toBe(200);
    expect(head.reason).toBe("");
    expect(head.httpVersion).toBe("1.0");
    expect(head.headers.get("set-cookie")).toEqual(["a=1", "b=2"]);
    expect(head.headers.get("x-empty")).toEqual([""]);
  });

  it.each([
    ["SSH banner", "SSH-2.0-OpenSSH_9.6\r\n"],
    ["TLS alert bytes", "\x15\x03\x01\x00\x02\x02\x46"],
    ["lowercase http", "http/1.1 200 OK\r\n\r\n"],
  ])("rejects a peer that is not HTTP (%s) within the first bytes", (_, answer) => {
    const parser = new HttpHeadParser();
    expect(() => parser.push(bytes(answer))).toThrow(DockerProtocolError);
    expect(() => new HttpHeadParser().push(bytes(answer))).toThrow(/not HTTP/);
  });

  it.each([
    ["a bad status line", "HTTP/1.1 OK\r\n\r\n", /status line/],
    ["a three-digit status outside 1xx-5xx", "HTTP/1.1 999 Nope\r\n\r\n", /status line/],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nBroken\r\n\r\n", /header line/],
    ["a space before the colon", "HTTP/1.1 200 OK\r\nName : v\r\n\r\n", /header line/],
    ["obsolete line folding", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", /header line/],
    ["a bare CR inside a value", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", /header line/],
    ["a NUL in a value", "HTTP/1.1 200 OK\r\nA: b\x00\r\n\r\n", /header line/],
  ])("rejects %s", (_, answer, message) => {
    expect(() => parse([bytes(answer)])).toThrow(DockerProtocolError);
    expect(() => parse([bytes(answer)])).toThrow(message);
  });

  it("rejects a head over the bound as soon as the bound is passed", () => {
    const parser = new HttpHeadParser();
    parser.push(bytes("HTTP/1.1 200 OK\r\n"));
    const filler = bytes(`X-Filler: ${"a".repeat(1000)}\r\n`);
    let error: unknown;
    let fed = 0;
    try {
      for (;;) {
        parser.push(filler);
        fed += filler.length;
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect((error as Error).message).toMatch(/exceeds 65536 bytes/);
    expect(fed).toBeLessThanOrEqual(MAX_HTTP_HEAD_BYTES);
    expect(() => new HttpHeadParser({ maxHeadBytes: 20 }).push(bytes(UPGRADED))).toThrow(/exceeds 20 bytes/);
  });

  it("reports a connection closed before or inside the head", () => {
    expect(() => new HttpHeadParser().end()).toThrow(/without answering/);
    const parser = new HttpHeadParser();
    parser.push(bytes("HTTP/1.1 200 OK\r\n"));
    expect(() => parser.end()).toThrow(/inside the response head \(17 bytes received\)/);
  });

  it("any split of head + stream gives the same head and the same stream bytes", () => {
    const headerArb = fc.tuple(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
      fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.array(headerArb, { maxLength: 8 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (status, headers, stream, cuts, crlf) => {
          const eol = crlf ? "\r\n" : "\n";
          const head = `HTTP/1.1 ${status} Reason${eol}${headers.map(([n, v]) => `${n}: ${v}${eol}`).join("")}${eol}`;
          const all = new Uint8Array(head.length + stream.length);
          all.set(bytes(head));
          all.set(stream, head.length);
          const points = cuts.map((c) => c % (all.length + 1)).sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, all.length]) {
            chunks.push(all.subarray(from, p));
            from = p;
          }
          const result = parse(chunks);
          expect(result.head.status).toBe(status);
          expect(result.head.byteLength).toBe(head.length);
          for (const [name, value] of headers) expect(result.head.headers.get(name.toLowerCase())).toContain(value);
          expect([...result.rest]).toEqual([...stream]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("arbitrary bytes give a head, a typed error, or need more input; never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        const prefixed = new Uint8Array(5 + input.length);
        prefixed.set(bytes("HTTP/"));
        prefixed.set(input, 5);
        try {
          new HttpHeadParser({ maxHeadBytes: 200 }).push(prefixed);
        } catch (error) {
          expect(error).toBeInstanceOf(DockerProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("HttpHeadParser text decoding", () => {
  it("reads header bytes as ISO-8859-1, byte for byte (0x80–0x9F too, where windows-1252 differs)", () => {
    const value = [0x80, 0x8a, 0x9f, 0xa0, 0xe9, 0xff, 0x41];
    const bytes = new Uint8Array([...new TextEncoder().encode("HTTP/1.1 200 OK\r\nX-Bytes: "), ...value, 0x0d, 0x0a, 0x0d, 0x0a]);
    const head = new HttpHeadParser().push(bytes)!.head;
    expect([...headerValue(head, "x-bytes")!].map((c) => c.charCodeAt(0))).toEqual(value);
    const ascii = new HttpHeadParser().push(new TextEncoder().encode("HTTP/1.1 404 Not Found\r\nServer: Docker/20.10\r\n\r\n"))!.head;
    expect([ascii.status, ascii.reason, headerValue(ascii, "server")]).toEqual([404, "Not Found", "Docker/20.10"]);
  });
});
