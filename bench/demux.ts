/**
 * Demultiplexer throughput in memory: berth's `Demuxer` (and its stream form `DemuxStream`)
 * against dockerode's `demuxStream` on the same bytes, in the same run, with the repetitions
 * interleaved (A B C, B C A, ...) so drift (JIT, GC, CPU frequency) hits all of them alike.
 *
 *   npx tsx bench/demux.ts [--reps 9]
 *
 * dockerode is taken from node_modules, else from the dockerode directory in $BERTH_BENCH_DOCKERODE.
 * Cases: frames of 32 KiB (the daemon's copy buffer, i.e. bulk output) and of 80 bytes (log
 * lines), fed in chunks of 64 KiB (a socket read) and of 1 KiB.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { DemuxStream, Demuxer, encodeFrame } from "../src/codecs/demux.js";
import { loadDockerode, median, parseArgs, quantile, type DockerodeModule } from "./demux-common.js";

interface Case {
  name: string;
  framePayload: number;
  chunkSize: number;
  totalMiB: number;
}

const CASES: Case[] = [
  { name: "32 KiB frames, 64 KiB chunks", framePayload: 32 * 1024, chunkSize: 64 * 1024, totalMiB: 64 },
  { name: "32 KiB frames, 1 KiB chunks", framePayload: 32 * 1024, chunkSize: 1024, totalMiB: 64 },
  { name: "80 B frames, 64 KiB chunks", framePayload: 80, chunkSize: 64 * 1024, totalMiB: 8 },
  { name: "80 B frames, 1 KiB chunks", framePayload: 80, chunkSize: 1024, totalMiB: 8 },
];

type Impl = { name: string; run(chunks: Buffer[]): Promise<number> | number };

function buildInput(c: Case): { chunks: Buffer[]; payloadBytes: number; inputBytes: number } {
  const frames: Uint8Array[] = [];
  let payloadBytes = 0;
  let inputBytes = 0;
  const payload = new Uint8Array(c.framePayload).fill(0x61);
  for (let i = 0; inputBytes < c.totalMiB * 1024 * 1024; i++) {
    const frame = encodeFrame(i % 4 === 3 ? "stderr" : "stdout", payload);
    frames.push(frame);
    payloadBytes += payload.length;
    inputBytes += frame.length;
  }
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += c.chunkSize) chunks.push(all.subarray(at, at + c.chunkSize));
  return { chunks, payloadBytes, inputBytes };
}

function berthDemuxer(): Impl {
  return {
    name: "berth Demuxer",
    run(chunks) {
      let out = 0;
      const demuxer = new Demuxer();
      const onChunk = (piece: { data: Uint8Array }) => {
        out += piece.data.length;
      };
      for (const chunk of chunks) demuxer.push(chunk, onChunk);
      demuxer.end();
      return out;
    },
  };
}

function berthDemuxStream(): Impl {
  return {
    name: "berth DemuxStream",
    async run(chunks) {
      let i = 0;
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i < chunks.length) controller.enqueue(chunks[i++]!);
          else controller.close();
        },
      });
      const reader = source.pipeThrough(new DemuxStream()).getReader();
      let out = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return out;
        out += value.data.length;
      }
    },
  };
}

function dockerodeDemux(dockerode: DockerodeModule): Impl {
  const modem = new dockerode.Modem();
  return {
    name: "dockerode demuxStream",
    run(chunks) {
      let out = 0;
      const sink = {
        write(chunk: Buffer) {
          out += chunk.length;
          return true;
        },
      };
      const source = new EventEmitter();
      modem.demuxStream(source, sink, sink);
      for (const chunk of chunks) source.emit("data", chunk);
      return out;
    },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const reps = Number(args["reps"] ?? 9);
  const dockerode = await loadDockerode();
  console.log(`# demux throughput, in memory, node ${process.version}, ${reps} interleaved repetitions (+2 warm-up)`);
  console.log(
    dockerode
      ? `# dockerode ${dockerode.version} (docker-modem ${dockerode.modemVersion}) from ${dockerode.from}`
      : "# dockerode not found: berth only",
  );
  for (const c of CASES) {
    const { chunks, payloadBytes, inputBytes } = buildInput(c);
    const impls = [berthDemuxer(), berthDemuxStream(), ...(dockerode ? [dockerodeDemux(dockerode)] : [])];
    const times = new Map<string, number[]>(impls.map((impl) => [impl.name, []]));
    for (let rep = 0; rep < reps + 2; rep++) {
      for (let k = 0; k < impls.length; k++) {
        const impl = impls[(rep + k) % impls.length]!;
        const started = performance.now();
        const out = await impl.run(chunks);
        const elapsed = performance.now() - started;
        if (out !== payloadBytes) throw new Error(`${impl.name} produced ${out} bytes, expected ${payloadBytes}`);
        if (rep >= 2) times.get(impl.name)!.push(elapsed);
      }
    }
    const mib = inputBytes / (1024 * 1024);
    console.log(`\n## ${c.name} (${mib.toFixed(0)} MiB input, ${chunks.length} chunks)`);
    console.log("| implementation | median ms | MiB/s | spread (min–max ms) | IQR ms |");
    console.log("|---|---:|---:|---:|---:|");
    const medians = new Map<string, number>();
    for (const impl of impls) {
      const t = times.get(impl.name)!;
      const m = median(t);
      medians.set(impl.name, m);
      console.log(
        `| ${impl.name} | ${m.toFixed(2)} | ${(mib / (m / 1000)).toFixed(0)} | ${Math.min(...t).toFixed(2)}–${Math.max(...t).toFixed(2)} | ${(quantile(t, 0.75) - quantile(t, 0.25)).toFixed(2)} |`,
      );
    }
    if (dockerode) {
      const base = medians.get("berth Demuxer")!;
      const stream = medians.get("berth DemuxStream")!;
      const theirs = medians.get("dockerode demuxStream")!;
      console.log(
        `ratio (median time dockerode / berth): Demuxer ${(theirs / base).toFixed(1)}x, DemuxStream ${(theirs / stream).toFixed(1)}x`,
      );
    }
  }
}

await main();
