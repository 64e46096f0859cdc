/**
 * Fuzzing (fast-check) of every parser that reads input berth does not control: the
 * DOCKER_HOST parser (the caller's environment), the HTTP head parser, the frame demultiplexer,
 * the JSON-lines parser and the chunked body decoder (the daemon's bytes), and the path and
 * query encoders (the caller's ids and names). Thousands of cases each; the common properties:
 *
 * - only berth's typed errors ever come out, never a TypeError/RangeError/URIError;
 * - the outcome does not depend on how the input is split into chunks;
 * - what is held between chunks stays under the parser's bound.
 *
 * test/unit/demux.property.test.ts, json-stream.property.test.ts and http-head.test.ts hold
 * the properties of well-formed input; this file is about malformed and hostile input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { framedBody } from "../../src/attach/http-body.js";
import { HttpHeadParser, type HttpResponseHead } from "../../src/codecs/http-head.js";
import { Demuxer, encodeFrame, type DemuxChunk, type StdStream } from "../../src/codecs/demux.js";
import { JsonStreamParser, type JsonStreamItem } from "../../src/codecs/json-stream.js";
import {
  DockerProtocolError,
  DockerStreamError,
  InvalidEndpointError,
  InvalidOptionError,
  createDockerApi,
  formatEndpoint,
  isDockerError,
  parseDockerHost,
  serializeDockerPath,
  serializeDockerQuery,
  type Endpoint,
  type TlsOptions,
  type Transport,
} from "../../src/index.js";

/** Splits `bytes` at the given cut points (duplicates give empty chunks, which must be harmless). */
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

const cutsArb = fc.array(fc.nat(), { maxLength: 30 });
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Flips, inserts or deletes bytes of `bytes` at the given positions. */
const mutationsArb = fc.array(fc.tuple(fc.constantFrom("flip", "insert", "delete"), fc.nat(), fc.integer({ min: 0, max: 255 })), {
  minLength: 1,
  maxLength: 4,
});
function mutate(bytes: Uint8Array, mutations: [string, number, number][]): Uint8Array {
  const out = [...bytes];
  for (const [kind, at, value] of mutations) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === "flip" && out.length > 0) out[i] = value;
    else if (kind === "insert") out.splice(i, 0, value);
    else if (kind === "delete") out.splice(i, 1);
  }
  return Uint8Array.from(out);
}

/** The outcome of a parse, as comparable data: what came out, and the class of the error that ended it. */
type Outcome = { output: unknown; error?: string };
function errorName(error: unknown): string {
  if (!isDockerError(error)) throw error; // anything else fails the property with its own stack
  return error.name;
}

describe("DOCKER_HOST parser (fuzzed)", () => {
  const schemeArb = fc.constantFrom(
    "unix://",
    "tcp://",
    "http://",
    "https://",
    "TCP://",
    "npipe://",
    "ssh://",
    "ftp://",
    "",
    "unix:",
    "tcp:/",
  );
  const hostArb = fc.oneof(
    fc.constantFrom(
      "127.0.0.1",
      "localhost",
      "[::1]",
      "::1",
      "[fe80::1%25eth0]",
      "docker.example",
      "",
      "a b",
      "h\t",
      "ü.example",
      "%41",
      "user:pw@h",
    ),
    fc.domain(),
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
    fc.string({ unit: "binary-ascii", maxLength: 12 }),
  );
  const portArb = fc.oneof(
    fc.constant(""),
    fc.integer({ min: 0, max: 70000 }).map((p) => `:${p}`),
    fc.constantFrom(":", ":x", ":-1", ":2375:1"),
  );
  const pathArb = fc.oneof(
    fc.constant(""),
    fc.constantFrom("/", "/base", "/base/", "/a/../b", "/%2e%2e/x", "/?q=1", "/#f", "/a%zz", "/%00", "/a%0Ab", "/\u{1F433}"),
    fc.string({ unit: "binary", maxLength: 10 }).map((s) => `/${s}`),
  );
  const structuredArb = fc.tuple(schemeArb, hostArb, portArb, pathArb).map(([s, h, p, path]) => `${s}${h}${p}${path}`);
  const unixArb = fc
    .tuple(fc.constantFrom("unix://", ""), fc.string({ unit: "binary", maxLength: 20 }))
    .map(([scheme, path]) => `${scheme}/${path}`);
  const anyArb = fc.oneof(
    structuredArb,
    unixArb,
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
  );
  const tlsArb: fc.Arbitrary<TlsOptions | undefined> = fc.option(fc.record({ verify: fc.boolean() }), { nil: undefined });

  /** Parses, and for a result checks the invariants an endpoint must have before anything dials it. */
  function check(input: string, tls: TlsOptions | undefined): void {
    let endpoint: Endpoint;
    try {
      endpoint = parseDockerHost(input, tls);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEndpointError);
      expect((error as InvalidEndpointError).code).toBe("ERR_INVALID_ENDPOINT");
      return;
    }
    if (endpoint.kind === "unix") {
      expect(endpoint.socketPath.startsWith("/")).toBe(true);
      expect(endpoint.socketPath).not.toMatch(/[\0\r\n]/);
    } else if (endpoint.kind === "ssh") {
      expect(endpoint.port === undefined || (Number.isInteger(endpoint.port) && endpoint.port >= 0 && endpoint.port <= 65535)).toBe(true);
      expect(endpoint.host.length).toBeGreaterThan(0);
      expect(endpoint.host.startsWith("-")).toBe(false);
      expect(endpoint.user ?? "").not.toMatch(/[\s@:/\0]|^-/);
      expect(endpoint.socketPath ?? "/").toMatch(/^\/[^\s'"\\$`\0]*$/);
    } else {
      expect(Number.isInteger(endpoint.port) && endpoint.port >= 0 && endpoint.port <= 65535).toBe(true);
      expect(endpoint.host.length).toBeGreaterThan(0);
      expect(endpoint.host).not.toMatch(/[\s/?#@\0]/);
      expect(endpoint.basePath === "" || (endpoint.basePath.startsWith("/") && !endpoint.basePath.endsWith("/"))).toBe(true);
      expect(endpoint.basePath).not.toMatch(/[\s?#\0]/);
    }
    // The canonical form parses back to the same endpoint (error messages and the `endpoint`
    // field of errors show that form, so it must name the same place).
    const again = parseDockerHost(formatEndpoint(endpoint), endpoint.kind === "tcp" ? endpoint.tls : undefined);
    expect(again).toEqual(endpoint);
  }

  it("returns a well-formed endpoint or throws InvalidEndpointError; formatEndpoint round-trips (10 000 inputs)", () => {
    fc.assert(
      fc.property(anyArb, tlsArb, (input, tls) => check(input, tls)),
      { numRuns: 10_000 },
    );
  });

  it("never puts TLS key material into the formatted endpoint", () => {
    fc.assert(
      fc.property(structuredArb, (input) => {
        try {
          const endpoint = parseDockerHost(input, { key: "-----BEGIN PRIVATE KEY-----SECRET", cert: "CERT", ca: "CA" });
          expect(formatEndpoint(endpoint)).not.toMatch(/SECRET|CERT|CA$/);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEndpointError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ["unix:///tmp/a%zz.sock", "percent"],
    ["unix:///tmp/a%00b.sock", "control characters"],
    ["unix:///tmp/a%0Ab.sock", "control characters"],
    ["tcp://ho\tst:2375", "control characters"],
  ])("regression: %j is an InvalidEndpointError (was a URIError, or a NUL/LF in the socket path)", (input, reason) => {
    expect(() => parseDockerHost(input)).toThrow(InvalidEndpointError);
    expect(() => parseDockerHost(input)).toThrow(reason);
  });

  it("regression: a socket path with a literal % round-trips through formatEndpoint", () => {
    const endpoint = parseDockerHost("/tmp/100%.sock");
    expect(parseDockerHost(formatEndpoint(endpoint))).toEqual(endpoint);
    expect(parseDockerHost("unix:///tmp/a%20b.sock")).toEqual({ kind: "unix", socketPath: "/tmp/a b.sock" });
  });
});

describe("HTTP head parser (fuzzed)", () => {
  type HeadOutcome = { head?: HttpResponseHead; rest?: number[]; error?: string; pending?: true };
  function parseChunks(chunks: Uint8Array[], maxHeadBytes: number): HeadOutcome {
    const parser = new HttpHeadParser({ maxHeadBytes });
    try {
      for (let i = 0; i < chunks.length; i++) {
        const result = parser.push(chunks[i]!);
        if (result) return { head: result.head, rest: [...result.rest, ...chunks.slice(i + 1).flatMap((c) => [...c])] };
      }
    } catch (error) {
      expect(error).toBeInstanceOf(DockerProtocolError);
      return { error: errorName(error) };
    }
    return { pending: true };
  }

  const validHeadArb = fc
    .tuple(
      fc.constantFrom("HTTP/1.1 101 UPGRADED", "HTTP/1.1 200 OK", "HTTP/1.0 404 Not Found", "HTTP/1.1 500 "),
      fc.array(
        fc.tuple(fc.constantFrom("Content-Type", "Content-Length", "X-A", "Upgrade"), fc.string({ unit: "binary-ascii", maxLength: 20 })),
        {
          maxLength: 6,
        },
      ),
      fc.constantFrom("\r\n", "\n"),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([status, headers, eol, body]) =>
      concat([latin1(`${status}${eol}${headers.map(([n, v]) => `${n}: ${v}${eol}`).join("")}${eol}`), body]),
    );
  const inputArb = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.uint8Array({ maxLength: 300 }).map((b) => concat([latin1("HTTP/"), b])),
    validHeadArb,
    fc.tuple(validHeadArb, mutationsArb).map(([b, m]) => mutate(b, m)),
  );

  it("random and mutated bytes: a head, a DockerProtocolError or more input needed; the same for any split (6 000 inputs)", () => {
    fc.assert(
      fc.property(inputArb, cutsArb, fc.integer({ min: 16, max: 512 }), (input, cuts, maxHeadBytes) => {
        const whole = parseChunks([input], maxHeadBytes);
        const pieces = parseChunks(split(input, cuts), maxHeadBytes);
        expect(pieces).toEqual(whole);
        if (whole.head) {
          expect(whole.head.byteLength).toBeLessThanOrEqual(maxHeadBytes);
          expect(whole.head.byteLength + whole.rest!.length).toBe(input.length);
          expect(whole.head.status).toBeGreaterThanOrEqual(100);
          expect(whole.head.status).toBeLessThan(600);
          for (const values of whole.head.headers.values()) for (const v of values) expect(v).not.toMatch(/[\r\n\0]/);
        }
        // Bounded: past the bound nothing is "still pending", so a peer cannot make berth buffer more.
        if (whole.pending) expect(input.length).toBeLessThanOrEqual(maxHeadBytes);
      }),
      { numRuns: 6_000 },
    );
  });

  it("the end of input before the head is always a DockerProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (input) => {
        const parser = new HttpHeadParser();
        let done = false;
        try {
          done = parser.push(input) !== undefined;
        } catch (error) {
          expect(error).toBeInstanceOf(DockerProtocolError);
          return;
        }
        if (!done) expect(() => parser.end()).toThrow(DockerProtocolError);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("frame demultiplexer (fuzzed)", () => {
  function demux(chunks: Uint8Array[], maxFrameBytes: number): Outcome {
    const demuxer = new Demuxer({ maxFrameBytes });
    const out: Record<StdStream, number[]> = { stdin: [], stdout: [], stderr: [] };
    const collect = (piece: DemuxChunk) => out[piece.stream].push(...piece.data);
    try {
      for (const chunk of chunks) demuxer.push(chunk, collect);
      demuxer.end();
    } catch (error) {
      expect(error instanceof DockerProtocolError || error instanceof DockerStreamError).toBe(true);
      return { output: out, error: errorName(error) };
    }
    return { output: out };
  }
  const framesArb = fc
    .array(fc.tuple(fc.constantFrom<StdStream | "system">("stdin", "stdout", "stderr", "system"), fc.uint8Array({ maxLength: 80 })), {
      maxLength: 12,
    })
    .map((frames) => concat(frames.map(([stream, data]) => encodeFrame(stream, data))));
  const inputArb = fc.oneof(
    framesArb,
    fc.tuple(framesArb, mutationsArb).map(([b, m]) => mutate(b, m)),
    fc.uint8Array({ maxLength: 200 }),
  );

  it("valid, mutated and random streams decode the same for any split; typed errors only; no more output than input (6 000 inputs)", () => {
    fc.assert(
      fc.property(inputArb, cutsArb, fc.constantFrom(16, 64, 1 << 20), (input, cuts, maxFrameBytes) => {
        const whole = demux([input], maxFrameBytes);
        expect(demux(split(input, cuts), maxFrameBytes)).toEqual(whole);
        const output = whole.output as Record<StdStream, number[]>;
        expect(output.stdin.length + output.stdout.length + output.stderr.length).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 6_000 },
    );
  });
});

describe("JSON-lines parser (fuzzed)", () => {
  function parse(chunks: Uint8Array[], maxValueLength: number): Outcome & { maxBuffered: number } {
    const parser = new JsonStreamParser({ maxValueLength });
    const items: unknown[] = [];
    let maxBuffered = 0;
    const emit = (item: JsonStreamItem) => {
      if (item.error) {
        expect(item.error).toBeInstanceOf(DockerProtocolError);
        items.push({ error: item.error.name });
      } else items.push({ value: item.value, text: item.text });
    };
    try {
      for (const chunk of chunks) {
        parser.write(chunk, emit);
        maxBuffered = Math.max(maxBuffered, parser.bufferedLength);
      }
      parser.end(emit);
    } catch (error) {
      expect(error).toBeInstanceOf(DockerProtocolError);
      return { output: items, error: errorName(error), maxBuffered };
    }
    return { output: items, maxBuffered };
  }
  const linesArb = fc
    .array(
      fc.oneof(
        fc.json({ maxDepth: 2 }),
        fc.constantFrom('{"status":"Downloading","progressDetail":{"current":1}}', '{"a":', "]", '"\\', "{}}"),
      ),
      {
        maxLength: 8,
      },
    )
    .chain((values) => fc.constantFrom("\n", "\r\n", "").map((sep) => new TextEncoder().encode(values.join(sep))));
  const inputArb = fc.oneof(
    linesArb,
    fc.tuple(linesArb, mutationsArb).map(([b, m]) => mutate(b, m)),
    fc.uint8Array({ maxLength: 200 }),
  );

  it("valid, cut, mutated and random input: values or DockerProtocolError items, the same for any split, bounded (6 000 inputs)", () => {
    fc.assert(
      fc.property(inputArb, cutsArb, fc.constantFrom(8, 64, 1 << 20), (input, cuts, maxValueLength) => {
        const whole = parse([input], maxValueLength);
        const pieces = parse(split(input, cuts), maxValueLength);
        expect({ output: pieces.output, error: pieces.error }).toEqual({ output: whole.output, error: whole.error });
        // Memory: an unfinished value is kept only up to the limit (plus the chunk that crossed it).
        expect(pieces.maxBuffered).toBeLessThanOrEqual(maxValueLength + input.length);
        if (maxValueLength < input.length) expect(pieces.maxBuffered).toBeLessThanOrEqual(maxValueLength);
      }),
      { numRuns: 6_000 },
    );
  });
});

describe("chunked body decoder (fuzzed)", () => {
  const head = (headers: Record<string, string>): HttpResponseHead => ({
    httpVersion: "1.1",
    status: 200,
    reason: "OK",
    headers: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])),
    byteLength: 0,
  });
  async function decode(chunks: Uint8Array[]): Promise<Outcome> {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const out: number[] = [];
    try {
      const reader = framedBody(head({ "transfer-encoding": "chunked" }), source).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        out.push(...value);
      }
    } catch (error) {
      expect(error).toBeInstanceOf(DockerProtocolError);
      return { output: out, error: errorName(error) };
    }
    return { output: out };
  }
  const chunkedArb = fc
    .array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 5 })
    .map((parts) => concat([...parts.flatMap((p) => [latin1(`${p.length.toString(16)}\r\n`), p, latin1("\r\n")]), latin1("0\r\n\r\n")]));
  const inputArb = fc.oneof(
    chunkedArb,
    fc.tuple(chunkedArb, mutationsArb).map(([b, m]) => mutate(b, m)),
    fc.uint8Array({ maxLength: 120 }),
  );

  it("valid, mutated and random bodies: the data or a DockerProtocolError, the same for any split (1 500 inputs)", async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, cutsArb, async (input, cuts) => {
        const whole = await decode([input]);
        expect(await decode(split(input, cuts).filter((c) => c.length > 0))).toEqual(whole);
        expect((whole.output as number[]).length).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 1_500 },
    );
  });
});

describe("path and query encoding (fuzzed)", () => {
  // Any string, lone surrogates included, and the characters that have a meaning in a URL.
  const nastyArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 24 }),
    fc
      .array(
        fc.constantFrom(
          "/",
          "..",
          ".",
          "?",
          "#",
          "%",
          "%2e",
          "%2F",
          " ",
          "\r\n",
          "\t",
          "\\",
          ":",
          "@",
          "&",
          "=",
          "+",
          "\u0000",
          "ü",
          "\u{1F433}",
          "\uD800",
          "a",
        ),
        {
          minLength: 1,
          maxLength: 8,
        },
      )
      .map((parts) => parts.join("")),
  );
  const UNRESERVED_OR_ESCAPE = /^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})+$/;

  it("an id is one path segment that decodes to itself, or an InvalidOptionError (6 000 ids)", () => {
    fc.assert(
      fc.property(nastyArb, (id) => {
        let path: string;
        try {
          path = serializeDockerPath("/containers/{id}/json", { id });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionError);
          expect(id === "" || id === "." || id === ".." || /[\uD800-\uDFFF]/.test(id)).toBe(true);
          return;
        }
        const segment = path.slice("/containers/".length, -"/json".length);
        expect(segment).toMatch(UNRESERVED_OR_ESCAPE);
        expect(decodeURIComponent(segment)).toBe(id);
        // URL parsing (what every runtime's fetch and node:http do to the path) changes nothing.
        expect(new URL(`http://docker${path}`).pathname).toBe(path);
      }),
      { numRuns: 6_000 },
    );
  });

  it("query keys and values come back exactly through URLSearchParams, or an InvalidOptionError (5 000 queries)", () => {
    fc.assert(
      fc.property(fc.dictionary(nastyArb, fc.oneof(nastyArb, fc.array(nastyArb, { maxLength: 3 })), { maxKeys: 4 }), (query) => {
        let text: string;
        try {
          text = serializeDockerQuery(query);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionError);
          return;
        }
        expect(text).not.toMatch(/[#\s]/);
        const parsed = new URLSearchParams(text);
        for (const [key, value] of Object.entries(query)) {
          const expected = Array.isArray(value) ? value : [value];
          if (expected.every((v) => v === "")) continue;
          expect(parsed.getAll(key)).toEqual(expected);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it("end to end through the client: the URL the transport receives names exactly the resource (3 000 ids)", async () => {
    const urls: string[] = [];
    const transport: Transport = {
      endpoint: { kind: "unix", socketPath: "/nonexistent" },
      fetch: async (request) => {
        urls.push(request.url);
        return new Response("{}", { status: 200, headers: { "Content-Type": "application/json", "Content-Length": "2" } });
      },
      connect: () => Promise.reject(new Error("unused")),
      close: async () => {},
    };
    const docker = createDockerApi<any>({ transport, preferredVersion: "1.41", apiVersion: "1.41" });
    await fc.assert(
      fc.asyncProperty(nastyArb, async (id) => {
        urls.length = 0;
        const result = await docker.api.GET("/containers/{id}/json", { params: { path: { id } } }).catch((e: unknown) => e);
        if (result instanceof Error) {
          expect(result).toBeInstanceOf(InvalidOptionError);
          expect(urls).toEqual([]);
          return;
        }
        expect(urls).toHaveLength(1);
        const url = new URL(urls[0]!);
        expect(url.pathname).toBe(`/v1.41/containers/${encodeURIComponent(id)}/json`);
        expect(url.search).toBe("");
        expect(url.hash).toBe("");
      }),
      { numRuns: 3_000 },
    );
    await docker.close();
  });
});
