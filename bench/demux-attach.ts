/**
 * Client CPU time per MiB attached, on the real daemon: a container writes 64 MiB of zeros
 * (`head -c 67108864 /dev/zero`, non-TTY, so the output is multiplexed) and the client
 * attaches, starts it and reads everything. `process.cpuUsage()` (user + system of this
 * process only; the daemon is another process) is taken around attach + read. Repetitions are
 * interleaved across implementations.
 *
 *   BERTH_TEST_DOCKER_HOST=unix:///tmp/berth-daemon/docker.sock npx tsx bench/demux-attach.ts [--reps 5] [--mib 64]
 *
 * Implementations: berth reading `session.output` (demultiplexed pieces), berth reading
 * `session.stdout` + `session.stderr` (the split), dockerode's attach + `demuxStream` when
 * dockerode is installed (see demux-common.ts), and a floor: a bare `node:net` socket that
 * sends the same request and counts bytes without parsing anything (unix socket only).
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { attachToContainer } from "../src/attach/index.js";
import { createDockerApi, parseDockerHost } from "../src/index.js";
import { loadDockerode, median, parseArgs, quantile } from "./demux-common.js";

const host = process.env["BERTH_TEST_DOCKER_HOST"];
const image = process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
if (!host) throw new Error("set BERTH_TEST_DOCKER_HOST (e.g. unix:///tmp/berth-daemon/docker.sock)");

const args = parseArgs(process.argv.slice(2));
const reps = Number(args["reps"] ?? 5);
const mib = Number(args["mib"] ?? 64);
const bytes = mib * 1024 * 1024;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const docker = createDockerApi<any>({ host, preferredVersion: "1.41", apiVersion: "1.41" });

async function createContainer(): Promise<string> {
  const { data } = await docker.api.POST("/containers/create", {
    params: { query: { name: `berth-bench-attach-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}` } },
    body: { Image: image, Cmd: ["head", "-c", String(bytes), "/dev/zero"], NetworkDisabled: true, HostConfig: { NetworkMode: "none" } },
  });
  return data.Id as string;
}
const start = (id: string) => docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
const remove = (id: string) => docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });

type Impl = { name: string; run(id: string): Promise<number> };

const berthOutput: Impl = {
  name: "berth session.output",
  async run(id) {
    const session = await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false });
    await start(id);
    let total = 0;
    const reader = session.output.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.data.length;
    }
    await session.closed;
    return total;
  },
};

const berthSplit: Impl = {
  name: "berth stdout+stderr",
  async run(id) {
    const session = await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false });
    await start(id);
    const count = async (stream: ReadableStream<Uint8Array>) => {
      let total = 0;
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return total;
        total += value.length;
      }
    };
    const [out, err] = await Promise.all([count(session.stdout), count(session.stderr)]);
    await session.closed;
    return out + err;
  },
};

async function main() {
  const dockerode = await loadDockerode();
  const impls: Impl[] = [berthOutput, berthSplit];
  const endpoint = parseDockerHost(host!);
  if (endpoint.kind === "unix") {
    impls.push({
      name: "floor: bare node:net socket",
      async run(id) {
        const socket = net.connect({ path: endpoint.socketPath });
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.write(
          `POST /v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
        );
        let total = 0;
        const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
        socket.on("data", (chunk: Buffer) => (total += chunk.length));
        await delay(20); // let the daemon answer the attach before the container starts
        await start(id);
        await ended;
        socket.destroy();
        return total;
      },
    });
  }
  if (dockerode) {
    const client =
      endpoint.kind === "unix"
        ? new dockerode.Docker({ socketPath: endpoint.socketPath })
        : new dockerode.Docker({ host: endpoint.host, port: endpoint.port });
    impls.push({
      name: "dockerode attach+demuxStream",
      async run(id) {
        const container = client.getContainer(id);
        const stream = await container.attach({ stream: true, stdout: true, stderr: true });
        let total = 0;
        const sink = {
          write(chunk: Buffer) {
            total += chunk.length;
            return true;
          },
        };
        client.modem.demuxStream(stream, sink, sink);
        const ended = new Promise<void>((resolve, reject) => {
          stream.on("end", resolve);
          stream.on("close", resolve);
          stream.on("error", reject);
        });
        await start(id);
        await ended;
        return total;
      },
    });
  }
  console.log(`# client CPU per MiB attached: ${mib} MiB per run, node ${process.version}, ${reps} interleaved repetitions (+1 warm-up)`);
  if (dockerode) console.log(`# dockerode ${dockerode.version} (docker-modem ${dockerode.modemVersion})`);
  const cpu = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  const wall = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  for (let rep = 0; rep < reps + 1; rep++) {
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(rep + k) % impls.length]!;
      const id = await createContainer();
      try {
        const before = process.cpuUsage();
        const started = performance.now();
        const got = await impl.run(id);
        const elapsed = performance.now() - started;
        const used = process.cpuUsage(before);
        // The floor counts framing bytes too (head and frame headers), so it reads a little more.
        if (impl.name.startsWith("floor") ? got < bytes : got !== bytes)
          throw new Error(`${impl.name} read ${got} bytes, expected ${bytes}`);
        if (rep > 0) {
          cpu.get(impl.name)!.push((used.user + used.system) / 1000 / mib);
          wall.get(impl.name)!.push(elapsed);
        }
      } finally {
        await remove(id);
      }
    }
  }
  console.log("| implementation | CPU ms/MiB (median) | spread (min–max) | IQR | wall ms (median) | MiB/s |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const impl of impls) {
    const c = cpu.get(impl.name)!;
    const w = median(wall.get(impl.name)!);
    console.log(
      `| ${impl.name} | ${median(c).toFixed(3)} | ${Math.min(...c).toFixed(3)}–${Math.max(...c).toFixed(3)} | ${(quantile(c, 0.75) - quantile(c, 0.25)).toFixed(3)} | ${w.toFixed(0)} | ${(mib / (w / 1000)).toFixed(0)} |`,
    );
  }
  if (dockerode) {
    const theirs = median(cpu.get("dockerode attach+demuxStream")!);
    console.log(
      `ratio (CPU dockerode / berth): output ${(theirs / median(cpu.get(berthOutput.name)!)).toFixed(2)}x, split ${(theirs / median(cpu.get(berthSplit.name)!)).toFixed(2)}x`,
    );
  }
  await docker.close();
}

await main();
