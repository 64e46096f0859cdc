import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_FRAME_BYTES, DemuxStream, Demuxer, encodeFrame, type DemuxChunk } from "../../src/codecs/demux.js";
import { DockerFramingError, DockerProtocolError, DockerStreamError } from "../../src/errors.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function decode(chunks: Uint8Array[], options?: ConstructorParameters<typeof Demuxer>[0]) {
  const demuxer = new Demuxer(options);
  const pieces: DemuxChunk[] = [];
  for (const chunk of chunks) demuxer.push(chunk, (p) => pieces.push(p));
  demuxer.end();
  return pieces;
}

describe("encodeFrame", () => {
  it("writes the 8-byte header of the v1.10 attach stream details", () => {
    expect([...encodeFrame("stdout", "hi")]).toEqual([1, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
    expect([...encodeFrame("stderr", new Uint8Array(0))]).toEqual([2, 0, 0, 0, 0, 0, 0, 0]);
    expect(encodeFrame("stdin", new Uint8Array(0x010203))[0]).toBe(0);
    expect([...encodeFrame("stdin", new Uint8Array(0x010203)).subarray(4, 8)]).toEqual([0, 1, 2, 3]);
    expect(encodeFrame("system", "x")[0]).toBe(3);
  });
});

describe("Demuxer", () => {
  it("decodes whole frames in one chunk as views of that chunk", () => {
    const chunk = concat(encodeFrame("stdout", "out1"), encodeFrame("stderr", "err1"), encodeFrame("stdin", "in"));
    const pieces = decode([chunk]);
    expect(pieces.map((p) => [p.stream, text(p.data), p.frameEnd])).toEqual([
      ["stdout", "out1", true],
      ["stderr", "err1", true],
      ["stdin", "in", true],
    ]);
    // No copies: every payload is a view into the input chunk's buffer.
    for (const p of pieces) expect(p.data.buffer).toBe(chunk.buffer);
  });

  it("emits a payload split across chunks as pieces, frameEnd on the last", () => {
    const frame = encodeFrame("stdout", "abcdef");
    const pieces = decode([frame.subarray(0, 3), frame.subarray(3, 10), frame.subarray(10)]);
    expect(pieces.map((p) => [text(p.data), p.frameEnd])).toEqual([
      ["ab", false],
      ["cdef", true],
    ]);
  });

  it("assembles a header split byte by byte", () => {
    const bytes = concat(encodeFrame("stderr", "x"), encodeFrame("stdout", "yz"));
    const chunks = [...bytes].map((b) => Uint8Array.of(b));
    const pieces = decode(chunks);
    expect(pieces.map((p) => `${p.stream}:${text(p.data)}:${p.frameEnd}`)).toEqual(["stderr:x:true", "stdout:y:false", "stdout:z:true"]);
  });

  it("reports zero-length frames as empty pieces", () => {
    const pieces = decode([concat(encodeFrame("stdout", ""), encodeFrame("stderr", "e"))]);
    expect(pieces.map((p) => [p.stream, p.data.length, p.frameEnd])).toEqual([
      ["stdout", 0, true],
      ["stderr", 1, true],
    ]);
  });

  it("throws a DockerStreamError for a system-error frame, after the pieces before it", () => {
    const demuxer = new Demuxer();
    const pieces: string[] = [];
    const chunk = concat(encodeFrame("stdout", "last words"), encodeFrame("system", "copy failed: broken pipe\n"));
    let error: unknown;
    try {
      demuxer.push(chunk, (p) => pieces.push(text(p.data)));
    } catch (e) {
      error = e;
    }
    expect(pieces).toEqual(["last words"]);
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toContain("copy failed: broken pipe");
    // Failed for good: later calls throw the same error.
    expect(() => demuxer.end()).toThrow(error as Error);
    expect(() => demuxer.push(new Uint8Array(1), () => {})).toThrow(error as Error);
  });

  it("keeps only 64 KiB of a huge system-error text", () => {
    const demuxer = new Demuxer();
    const header = encodeFrame("system", "").slice();
    new DataView(header.buffer).setUint32(4, 1 << 20);
    demuxer.push(header, () => {});
    let error: unknown;
    for (let i = 0; i < 16 && !error; i++) {
      try {
        demuxer.push(new Uint8Array(64 * 1024).fill(0x61), () => {});
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message.length).toBeLessThan(64 * 1024 + 100);
    expect((error as Error).message.endsWith("…")).toBe(true);
  });

  it.each([
    ["an unknown stream type", Uint8Array.of(4, 0, 0, 0, 0, 0, 0, 1, 0x61), /unknown stream type 4/],
    ["non-zero padding", Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1, 0x61), /padding/],
    ["text where a header belongs (a TTY stream)", new TextEncoder().encode("hello world\n"), /unknown stream type 104.*TTY setting/],
  ])("rejects %s with a DockerProtocolError", (_, bytes, message) => {
    expect(() => decode([bytes])).toThrow(DockerProtocolError);
    expect(() => decode([bytes])).toThrow(message);
  });

  it("issue 15: repairs podman 4.3's attach-logs frames, whose lengths leave the newline out, and counts the bytes", () => {
    // the bytes podman 4.3.1 sent for `echo hello; echo err >&2; echo world` (attach logs=1&stream=0)
    const podman = Uint8Array.of(
      ...[1, 0, 0, 0, 0, 0, 0, 5],
      ...new TextEncoder().encode("hello\n"),
      ...[1, 0, 0, 0, 0, 0, 0, 5],
      ...new TextEncoder().encode("world\n"),
      ...[2, 0, 0, 0, 0, 0, 0, 3],
      ...new TextEncoder().encode("err\n"),
    );
    for (const chunks of [[podman], Array.from(podman, (b) => Uint8Array.of(b))]) {
      const demuxer = new Demuxer();
      const pieces: DemuxChunk[] = [];
      for (const chunk of chunks) demuxer.push(chunk, (p) => pieces.push(p));
      demuxer.end((p) => pieces.push(p));
      const of = (stream: string) =>
        pieces
          .filter((p) => p.stream === stream)
          .map((p) => text(p.data))
          .join("");
      expect(of("stdout")).toBe("hello\nworld\n");
      expect(of("stderr")).toBe("err\n");
      expect(demuxer.repairedBytes).toBe(3);
    }
    // strictFraming: the daemon's fault, named as such, with where and what
    const error = (() => {
      try {
        decode([podman], { strictFraming: true });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DockerFramingError);
    expect(error).toMatchObject({ code: "ERR_FRAMING", offset: 13, name: "DockerFramingError" });
    expect((error as Error).message).toContain("at byte 13: the frame lengths the daemon declared do not match");
    expect((error as Error).message).not.toContain("TTY");
  });

  it("a newline repair happens once per frame: a second bad byte is a DockerFramingError", () => {
    const bytes = concat(encodeFrame("stdout", "a"), Uint8Array.of(0x0a, 0x0a), encodeFrame("stdout", "b"));
    expect(() => decode([bytes])).toThrow(DockerFramingError);
  });

  it("rejects a declared length over maxFrameBytes before buffering anything", () => {
    const header = Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff);
    expect(() => decode([header])).toThrow(/exceeds maxFrameBytes \(67108864\)/);
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(64 * 1024 * 1024);
    expect(() => decode([encodeFrame("stdout", "12345")], { maxFrameBytes: 4 })).toThrow(DockerProtocolError);
  });

  it("streams a 4 GiB frame's declared length without buffering (maxFrameBytes: Infinity)", () => {
    const demuxer = new Demuxer({ maxFrameBytes: Infinity });
    demuxer.push(Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff), () => {});
    const chunk = new Uint8Array(1 << 20);
    let seen = 0;
    for (let i = 0; i < 8; i++) demuxer.push(chunk, (p) => (seen += p.data.length));
    expect(seen).toBe(8 << 20);
    expect(() => demuxer.end()).toThrow(/stream ended inside a stdout frame: 4286578687 of 4294967295 payload bytes missing/);
  });

  it.each([
    ["inside a header", encodeFrame("stdout", "abc").subarray(0, 5), /inside a frame header \(5 of 8 bytes\)/],
    ["inside a payload", encodeFrame("stderr", "abc").subarray(0, 9), /inside a stderr frame: 2 of 3 payload bytes missing/],
  ])("reports a stream that ends %s as truncated", (_, bytes, message) => {
    expect(() => decode([bytes])).toThrow(DockerProtocolError);
    expect(() => decode([bytes])).toThrow(message);
  });

  it("reports a truncated system-error frame as the stream error, with the truncation as cause", () => {
    const bytes = encodeFrame("system", "disk full").subarray(0, 12);
    let error: unknown;
    try {
      decode([bytes]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toContain("disk");
    expect((error as Error).cause).toBeInstanceOf(DockerProtocolError);
  });

  it("knows when it is between frames", () => {
    const demuxer = new Demuxer();
    expect(demuxer.atFrameBoundary).toBe(true);
    demuxer.push(encodeFrame("stdout", "ab").subarray(0, 9), () => {});
    expect(demuxer.atFrameBoundary).toBe(false);
    demuxer.push(Uint8Array.of(0x62), () => {});
    expect(demuxer.atFrameBoundary).toBe(true);
  });
});

describe("DemuxStream", () => {
  const source = (chunks: Uint8Array[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    });
  async function readAll(stream: ReadableStream<DemuxChunk>) {
    const pieces: string[] = [];
    let error: unknown;
    try {
      for await (const p of stream as unknown as AsyncIterable<DemuxChunk>) pieces.push(`${p.stream}:${text(p.data)}`);
    } catch (e) {
      error = e;
    }
    return { pieces, error };
  }

  it("decodes through pipeThrough", async () => {
    const bytes = concat(encodeFrame("stdout", "a"), encodeFrame("stderr", "b"));
    const { pieces, error } = await readAll(source([bytes.subarray(0, 3), bytes.subarray(3)]).pipeThrough(new DemuxStream()));
    expect(error).toBeUndefined();
    expect(pieces).toEqual(["stdout:a", "stderr:b"]);
  });

  it("delivers every piece before a system error, then the error (a TransformStream would drop them)", async () => {
    const bytes = concat(encodeFrame("stdout", "1"), encodeFrame("stdout", "2"), encodeFrame("system", "boom"));
    const { pieces, error } = await readAll(source([bytes]).pipeThrough(new DemuxStream()));
    expect(pieces).toEqual(["stdout:1", "stdout:2"]);
    expect(error).toBeInstanceOf(DockerStreamError);
  });

  it("errors with a DockerProtocolError when the input ends inside a frame", async () => {
    const { pieces, error } = await readAll(source([encodeFrame("stdout", "abc").subarray(0, 10)]).pipeThrough(new DemuxStream()));
    expect(pieces).toEqual(["stdout:ab"]);
    expect(error).toBeInstanceOf(DockerProtocolError);
  });

  it("holds back writes until the reader has taken the previous chunk's pieces", async () => {
    const demux = new DemuxStream();
    const writer = demux.writable.getWriter();
    let secondDone = false;
    await writer.ready;
    void writer.write(encodeFrame("stdout", "1"));
    const second = writer.write(encodeFrame("stdout", "2")).then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondDone).toBe(false);
    const reader = demux.readable.getReader();
    expect(text((await reader.read()).value!.data)).toBe("1");
    expect(text((await reader.read()).value!.data)).toBe("2");
    await second;
    expect(secondDone).toBe(true);
  });
});
