/**
 * Reads demultiplexed output to its end into two strings, for the calls that return output
 * whole (`runExec`, `readContainerLogs`).
 */
import type { DemuxChunk } from "../codecs/demux.js";

/** Output read to its end, decoded as UTF-8. */
export interface CollectedOutput {
  stdout: string;
  stderr: string;
}

/**
 * Collects `frames` into stdout and stderr text. Each stream has its own streaming decoder, so
 * a character split across frames or chunks comes out whole; `stdin` pieces (a TTY's echo is
 * sent as stdout, so these are rare) count as stdout, like attach's split.
 */
export async function collectOutput(frames: AsyncIterable<DemuxChunk>): Promise<CollectedOutput> {
  const out = { decoder: new TextDecoder(), parts: [] as string[] };
  const err = { decoder: new TextDecoder(), parts: [] as string[] };
  for await (const piece of frames) {
    const target = piece.stream === "stderr" ? err : out;
    target.parts.push(target.decoder.decode(piece.data, { stream: true }));
  }
  out.parts.push(out.decoder.decode());
  err.parts.push(err.decoder.decode());
  return { stdout: out.parts.join(""), stderr: err.parts.join("") };
}
