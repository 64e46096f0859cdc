/**
 * Properties of the demultiplexer: split invariance, typed failure on malformed input, and
 * bounded memory. Chunk splits are generated as sorted cut points over the encoded bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DemuxStream, Demuxer, FRAME_HEADER_BYTES, encodeFrame, type DemuxChunk, type StdStream } from "../../src/codecs/demux.js";
import { DockerFramingError, DockerProtocolError, DockerStreamError, isDockerError } from "../../src/errors.js";

type Frame = { stream: StdStream; data: Uint8Array };

const frameArb: fc.Arbitrary<Frame> = fc.record({
  stream: fc.constantFrom<StdStream>("stdin", "stdout", "stderr"),
  data: fc.uint8Array({ maxLength: 300 }),
});
const framesArb = fc.array(frameArb, { maxLength: 25 });

function encodeAll(frames: Frame[]): Uint8Array {
  const parts = frames.map((f) => encodeFrame(f.stream, f.data));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

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

/** Joins pieces back into frames using `frameEnd`; a trailing unfinished frame is returned separately. */
function reassemble(pieces: DemuxChunk[]): { frames: Frame[]; partial: number[] } {
  const frames: Frame[] = [];
  let current: number[] = [];
  let stream: StdStream | undefined;
  for (const p of pieces) {
    if (stream !== undefined && stream !== p.stream) throw new Error("pieces of one frame changed stream");
    stream = p.stream;
    current.push(...p.data);
    if (p.frameEnd) {
      frames.push({ stream: p.stream, data: Uint8Array.from(current) });
      current = [];
      stream = undefined;
    }
  }
  return { frames, partial: current };
}

const cutsArb = fc.array(fc.nat(), { maxLength: 40 });

describe("Demuxer properties", () => {
  it("decodes any frame sequence split at any points to the same frames", () => {
    fc.assert(
      fc.property(framesArb, cutsArb, (frames, cuts) => {
        const bytes = encodeAll(frames);
        const demuxer = new Demuxer();
        const pieces: DemuxChunk[] = [];
        for (const chunk of split(bytes, cuts)) demuxer.push(chunk, (p) => pieces.push(p));
        demuxer.end();
        const { frames: decoded, partial } = reassemble(pieces);
        expect(partial).toEqual([]);
        expect(decoded).toEqual(frames);
        // Zero-copy: every piece is a view into the one input buffer.
        for (const p of pieces) if (p.data.length > 0) expect(p.data.buffer).toBe(bytes.buffer);
      }),
      { numRuns: 3000 },
    );
  });

  it("splitting byte by byte gives the same frames", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 6 }), (frames) => {
        const bytes = encodeAll(frames);
        const demuxer = new Demuxer();
        const pieces: DemuxChunk[] = [];
        for (let i = 0; i < bytes.length; i++) demuxer.push(bytes.subarray(i, i + 1), (p) => pieces.push(p));
        demuxer.end();
        expect(reassemble(pieces).frames).toEqual(frames);
      }),
      { numRuns: 500 },
    );
  });

  it("a stream cut anywhere yields exactly the cut prefix, and end() throws unless the cut is between frames", () => {
    fc.assert(
      fc.property(framesArb, cutsArb, fc.nat(), (frames, cuts, cutAt) => {
        const bytes = encodeAll(frames);
        const length = cutAt % (bytes.length + 1);
        const demuxer = new Demuxer();
        const pieces: DemuxChunk[] = [];
        for (const chunk of split(bytes.subarray(0, length), cuts)) demuxer.push(chunk, (p) => pieces.push(p));
        // The frame boundaries of the full stream.
        const boundaries = new Set<number>([0]);
        let at = 0;
        for (const f of frames) boundaries.add((at += FRAME_HEADER_BYTES + f.data.length));
        const atBoundary = boundaries.has(length);
        expect(demuxer.atFrameBoundary).toBe(atBoundary);
        if (atBoundary) expect(() => demuxer.end()).not.toThrow();
        else expect(() => demuxer.end()).toThrow(DockerProtocolError);
        // Whatever was decoded is a prefix of the payload bytes, in order.
        const got = pieces.flatMap((p) => [...p.data]);
        const all = frames.flatMap((f) => [...f.data]);
        expect(got).toEqual(all.slice(0, got.length));
      }),
      { numRuns: 3000 },
    );
  });

  it("a corrupted header fails with a DockerProtocolError after exactly the frames before it", () => {
    fc.assert(
      fc.property(
        framesArb,
        framesArb,
        fc.oneof(
          // not 10 ("\n"): a newline where a header belongs is podman's overrun, repaired (below)
          fc
            .integer({ min: 4, max: 255 })
            .filter((type) => type !== 10)
            .map((type) => ({ at: 0, value: type })),
          fc.record({ at: fc.integer({ min: 1, max: 3 }), value: fc.integer({ min: 1, max: 255 }) }),
        ),
        cutsArb,
        (before, after, corruption, cuts) => {
          const bad = encodeFrame("stdout", "x").slice();
          bad[corruption.at] = corruption.value;
          const head = encodeAll(before);
          const bytes = new Uint8Array(head.length + bad.length + encodeAll(after).length);
          bytes.set(head);
          bytes.set(bad, head.length);
          bytes.set(encodeAll(after), head.length + bad.length);
          const demuxer = new Demuxer();
          const pieces: DemuxChunk[] = [];
          let error: unknown;
          try {
            for (const chunk of split(bytes, cuts)) demuxer.push(chunk, (p) => pieces.push(p));
            demuxer.end();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DockerProtocolError);
          expect(reassemble(pieces)).toEqual({ frames: before, partial: [] });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("issue 15: podman's frames that leave their newline out of the length decode to every byte, in any split", () => {
    fc.assert(
      fc.property(framesArb, cutsArb, (frames, cuts) => {
        // podman 4.3, attach logs=1: {type,0,0,0,len(line)} line "\n"
        const parts = frames.map((f) => {
          const frame = encodeFrame(f.stream, f.data);
          const out = new Uint8Array(frame.length + 1);
          out.set(frame);
          out[frame.length] = 0x0a;
          return out;
        });
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
        const demuxer = new Demuxer();
        const pieces: DemuxChunk[] = [];
        for (const chunk of split(bytes, cuts)) demuxer.push(chunk, (p) => pieces.push(p));
        demuxer.end((p) => pieces.push(p));
        const joined = (stream: StdStream, items: { stream: StdStream; data: Uint8Array }[]) =>
          Buffer.concat(items.filter((i) => i.stream === stream).map((i) => i.data)).toString("hex");
        for (const stream of ["stdin", "stdout", "stderr"] as const) {
          const expected = frames.map((f) => ({ stream: f.stream, data: Buffer.concat([f.data, Buffer.of(0x0a)]) }));
          expect(joined(stream, pieces)).toBe(joined(stream, expected));
        }
        expect(demuxer.repairedBytes).toBe(frames.length);
        // strict framing refuses the same bytes, naming where the bad header is
        if (frames.length > 1) {
          const strict = new Demuxer({ strictFraming: true });
          let error: unknown;
          try {
            strict.push(bytes, () => {});
            strict.end();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DockerFramingError);
          expect((error as DockerFramingError).offset).toBe(parts[0]!.length - 1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a system-error frame fails with a DockerStreamError carrying its text, after the frames before it", () => {
    fc.assert(
      fc.property(
        framesArb,
        fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() === s && s.length > 0),
        cutsArb,
        (before, message, cuts) => {
          const head = encodeAll(before);
          const err = encodeFrame("system", message);
          const bytes = new Uint8Array(head.length + err.length);
          bytes.set(head);
          bytes.set(err, head.length);
          const demuxer = new Demuxer();
          const pieces: DemuxChunk[] = [];
          let error: unknown;
          try {
            for (const chunk of split(bytes, cuts)) demuxer.push(chunk, (p) => pieces.push(p));
            demuxer.end();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DockerStreamError);
          expect((error as Error).message).toContain(message);
          expect(reassemble(pieces).frames).toEqual(before);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("arbitrary bytes either decode or fail with a typed error; never more output than input, never a stall", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cutsArb, fc.integer({ min: 1, max: 1 << 20 }), (bytes, cuts, maxFrameBytes) => {
        const demuxer = new Demuxer({ maxFrameBytes });
        let emitted = 0;
        try {
          for (const chunk of split(bytes, cuts)) demuxer.push(chunk, (p) => (emitted += p.data.length));
          demuxer.end();
        } catch (error) {
          expect(isDockerError(error)).toBe(true);
          expect(error instanceof DockerProtocolError || error instanceof DockerStreamError).toBe(true);
        }
        expect(emitted).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 5000 },
    );
  });

  it("memory stays bounded whatever length a header declares (no payload is held between pushes)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 30 }),
        (declared, sizes) => {
          const demuxer = new Demuxer({ maxFrameBytes: Infinity });
          const header = Uint8Array.of(2, 0, 0, 0, declared >>> 24, (declared >>> 16) & 255, (declared >>> 8) & 255, declared & 255);
          demuxer.push(header, () => {});
          let fed = 0;
          let emitted = 0;
          for (const size of sizes) {
            if (fed >= declared) break;
            const chunk = new Uint8Array(Math.min(size, declared - fed));
            fed += chunk.length;
            // Each push hands on every payload byte it was given, so nothing accumulates inside.
            demuxer.push(chunk, (p) => (emitted += p.data.length));
            expect(emitted).toBe(fed);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("DemuxStream properties", () => {
  it("gives the same frames as the Demuxer for any split, through pipeThrough", async () => {
    await fc.assert(
      fc.asyncProperty(framesArb, cutsArb, async (frames, cuts) => {
        const chunks = split(encodeAll(frames), cuts);
        const source = new ReadableStream<Uint8Array>({
          start(c) {
            for (const chunk of chunks) c.enqueue(chunk);
            c.close();
          },
        });
        const pieces: DemuxChunk[] = [];
        const reader = source.pipeThrough(new DemuxStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          pieces.push(value);
        }
        expect(reassemble(pieces).frames).toEqual(frames);
      }),
      { numRuns: 400 },
    );
  });

  it("arbitrary bytes end the readable (closed or errored with a typed error), never a hang", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), cutsArb, async (bytes, cuts) => {
        const chunks = split(bytes, cuts);
        const source = new ReadableStream<Uint8Array>({
          start(c) {
            for (const chunk of chunks) c.enqueue(chunk);
            c.close();
          },
        });
        const reader = source.pipeThrough(new DemuxStream()).getReader();
        let emitted = 0;
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            emitted += value.data.length;
          }
        } catch (error) {
          expect(error instanceof DockerProtocolError || error instanceof DockerStreamError).toBe(true);
        }
        expect(emitted).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 400 },
    );
  });
});
