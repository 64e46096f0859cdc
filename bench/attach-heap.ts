/**
 * Client CPU of a multiplexed attach stream against the size of the heap it runs in (Node/V8),
 * with no daemon: a fake one in a child process answers the attach with 32 KiB stdout frames,
 * one socket write per frame, paced by `setImmediate` so that the client reads them one at a
 * time as it does from dockerd. Three streams of `--mib` per process, reported per 100 MB.
 *
 *   npx tsx bench/attach-heap.ts --client berth|raw|raw-alone [--ballast-mib 30] [--mib 256]
 *   node --import tsx --trace-gc bench/attach-heap.ts --client berth | grep -c Mark-Compact
 *
 * - `berth`: `attachToContainer` and `for await` over `frames()`, as the README does.
 * - `raw`: the bench's payload counter (lib/raw-http.ts) on a bare `node:net` socket, with
 *   berth's modules loaded but unused (the same heap as `berth`).
 * - `raw-alone`: the same, without loading berth.
 * `--ballast-mib` holds that much heap in small live objects. Under `--trace-gc`, V8's
 * old-generation collections are the `Mark-Compact` lines (the fake daemon runs without it).
 * See bench/README.md, "Heap size and the stream numbers on Node".
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "./demux-common.js";
import { ballastMiB, holdBallast } from "./lib/heap-ballast.js";
import { payloadCounter } from "./lib/raw-http.js";

const FRAME_PAYLOAD = 32 * 1024;
const args = parseArgs(process.argv.slice(2));
const socketPath = join(tmpdir(), `berth-attach-heap-${process.pid}.sock`);

function serve(path: string, mib: number): void {
  const frame = Buffer.alloc(8 + FRAME_PAYLOAD, 0x61);
  frame.fill(0, 0, 8);
  frame[0] = 1;
  frame.writeUInt32BE(FRAME_PAYLOAD, 4);
  rmSync(path, { force: true });
  const server = net.createServer((socket) => {
    let head = "";
    socket.on("error", () => {});
    socket.on("data", (data) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      head = "";
      socket.write(
        "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
      );
      let left = (mib * 1024 * 1024) / FRAME_PAYLOAD;
      const pump = () => {
        if (left-- <= 0) return void socket.end();
        if (socket.write(frame)) setImmediate(pump);
        else socket.once("drain", () => setImmediate(pump));
      };
      pump();
    });
  });
  server.listen(path, () => process.stdout.write("listening\n"));
  process.on("SIGTERM", () => process.exit(0));
}

function rawAttach(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.write(
      "POST /v1.41/containers/x/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    );
    const counter = payloadCounter();
    let inBody = false;
    socket.on("data", (chunk: Buffer) => {
      if (!inBody) {
        const end = chunk.indexOf("\r\n\r\n");
        if (end < 0) return;
        inBody = true;
        chunk = chunk.subarray(end + 4);
      }
      counter.push(chunk);
    });
    socket.once("end", () => {
      socket.destroy();
      resolve(counter.payload);
    });
    socket.once("error", reject);
  });
}

async function main(): Promise<void> {
  const mib = Number(args["mib"] ?? 256);
  if (args["serve"] !== undefined) return serve(String(args["serve"]), mib);
  const client = String(args["client"] ?? "berth");
  if (!["berth", "raw", "raw-alone"].includes(client)) throw new Error("--client berth, raw or raw-alone");
  holdBallast(Number(args["ballast-mib"] ?? 0));

  const execArgv = process.execArgv.filter((flag) => flag !== "--trace-gc");
  const server = spawn(process.execPath, [...execArgv, process.argv[1]!, "--serve", socketPath, "--mib", String(mib)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    server.once("exit", (code) => reject(new Error(`the fake daemon exited (${code})`)));
    server.stdout!.on("data", (data: Buffer) => data.includes("listening") && resolve());
  });
  let run: () => Promise<number>;
  let close = async () => {};
  if (client === "raw-alone") run = () => rawAttach(socketPath);
  else {
    const { attachToContainer, createDockerApi } = await import("../src/index.js");
    const docker = createDockerApi<any>({ host: `unix://${socketPath}`, apiVersion: "1.41", preferredVersion: "1.41" });
    close = () => docker.close();
    run =
      client === "raw"
        ? () => rawAttach(socketPath)
        : async () => {
            const session = await attachToContainer(docker, { container: "x", stream: true, stdout: true, stderr: true, tty: false });
            let bytes = 0;
            for await (const piece of session.frames()) bytes += piece.data.byteLength;
            await session.closed;
            return bytes;
          };
  }
  try {
    const perHundredMb: string[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const bytes = await run();
      const used = process.cpuUsage(cpu);
      const ms = (used.user + used.system) / 1000;
      perHundredMb.push((ms / (bytes / 1e8)).toFixed(1));
      console.log(`${client}: ${bytes} bytes in ${(performance.now() - t0).toFixed(0)} ms, CPU ${ms.toFixed(0)} ms`);
    }
    console.log(`${client}, ${ballastMiB()} MiB held: client CPU per 100 MB ${perHundredMb.join(", ")} ms`);
  } finally {
    await close();
    server.kill();
    rmSync(socketPath, { force: true });
  }
}

await main();
