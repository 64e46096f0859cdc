/**
 * Container logs against a fake daemon (`node:http` on a unix socket). Docker 20.10 (API 1.41)
 * answers `GET /containers/{id}/logs` with chunked multiplexed frames (raw bytes for a TTY
 * container) and no Content-Type; API 1.42+ daemons name the framing in the Content-Type.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../src/codecs/demux.js";
import { DockerAbortError, DockerProtocolError, InvalidOptionError, NoSuchContainerError, createDockerApi } from "../../src/index.js";
import { containerLogs, formatLogTime, readContainerLogs } from "../../src/logs/index.js";
import { createDockerApiV141 } from "../../src/versions/v1.41.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeDaemon(logs: Handler, containers: Record<string, { Tty: boolean }> = { box: { Tty: false } }) {
  const requests: string[] = [];
  const responses = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, "http://docker");
    requests.push(`${req.method} ${req.url}`);
    const match = /^\/v[\d.]+\/containers\/([^/]+)\/(logs|json)$/.exec(url.pathname);
    const container = match ? containers[decodeURIComponent(match[1]!)] : undefined;
    if (!match || !container) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: `No such container: ${match?.[1]}` }));
      return;
    }
    if (match[2] === "json") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ Id: match[1], Config: { Tty: container.Tty } }));
      return;
    }
    responses.add(res);
    res.on("close", () => responses.delete(res));
    logs(req, res, url);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-logs-"));
  const socketPath = path.join(dir, "docker.sock");
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const host = `unix://${socketPath}`;
  const docker = createDockerApiV141({ host, apiVersion: "1.41" });
  cleanups.push(async () => {
    await docker.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { docker, requests, responses, host };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += text(chunk);
  return out;
}

/** Writes the frames the way dockerd does: each in its own chunk of a chunked body. */
const multiplexed: Handler = (_req, res) => {
  res.writeHead(200);
  res.write(encodeFrame("stdout", "one\n"));
  res.write(encodeFrame("stderr", "oops\n"));
  res.end(encodeFrame("stdout", "two\n"));
};

describe("containerLogs", () => {
  it("sends the query in Docker's form and demultiplexes the body", async () => {
    const { docker, requests } = await fakeDaemon(multiplexed);
    const logs = await containerLogs(docker, {
      container: "box",
      follow: true,
      since: new Date(1_700_000_000_250),
      until: 1_700_000_100,
      tail: 10,
      timestamps: true,
      tty: false,
    });
    expect(requests).toEqual([
      "GET /v1.41/containers/box/logs?follow=1&stdout=1&stderr=1&since=1700000000.250000000&until=1700000100&tail=10&timestamps=1",
    ]);
    expect(logs.kind).toBe("multiplexed");
    expect(logs.contentType).toBeUndefined();
    const frames = [];
    for await (const piece of logs) frames.push([piece.stream, text(piece.data)]);
    expect(frames).toEqual([
      ["stdout", "one\n"],
      ["stderr", "oops\n"],
      ["stdout", "two\n"],
    ]);
    await logs.closed;
  });

  it("asks only for the streams named, and inspects the container when the daemon does not say the framing", async () => {
    const { docker, requests } = await fakeDaemon(multiplexed);
    const logs = await containerLogs(docker, { container: "box", stderr: true });
    expect(requests.sort()).toEqual(["GET /v1.41/containers/box/json", "GET /v1.41/containers/box/logs?stderr=1"]);
    logs.close();
  });

  it("inspects alongside the logs request, so an auto-removed container's logs still open (regression)", async () => {
    // The container is removed (404 on inspect) once the daemon has answered the logs request,
    // as with `AutoRemove` and a container that exits at once. An inspect sent only after the
    // answer failed the whole call with NoSuchContainerError.
    const containers: Record<string, { Tty: boolean }> = { ephemeral: { Tty: true } };
    const { docker } = await fakeDaemon((_req, res) => {
      setTimeout(() => {
        delete containers["ephemeral"];
        res.writeHead(200).end("bye\r\n");
      }, 50);
    }, containers);
    const logs = await containerLogs(docker, { container: "ephemeral" });
    expect(logs.kind).toBe("raw");
    expect(await readAll(logs.stdout)).toBe("bye\r\n");
  });

  it("splits into stdout and stderr streams", async () => {
    const { docker } = await fakeDaemon(multiplexed);
    const logs = await containerLogs(docker, { container: "box", tty: false });
    const [stdout, stderr] = await Promise.all([readAll(logs.stdout), readAll(logs.stderr)]);
    expect({ stdout, stderr }).toEqual({ stdout: "one\ntwo\n", stderr: "oops\n" });
  });

  it("reads a TTY container's logs raw (learned from inspect)", async () => {
    const { docker } = await fakeDaemon(
      (_req, res) => {
        res.writeHead(200);
        // Bytes that would be an invalid frame header: raw mode must not try to demultiplex them.
        res.end("\u0005weird\r\nline\r\n");
      },
      { term: { Tty: true } },
    );
    const logs = await containerLogs(docker, { container: "term" });
    expect(logs.kind).toBe("raw");
    expect(await readAll(logs.stdout)).toBe("\u0005weird\r\nline\r\n");
  });

  it("follows the content type of API 1.42+ daemons without inspecting", async () => {
    const { host, requests } = await fakeDaemon((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/vnd.docker.raw-stream" });
      res.end("raw\n");
    });
    const docker = createDockerApi<any>({ host, preferredVersion: "1.44", apiVersion: "1.44" });
    cleanups.push(() => docker.close());
    expect(await readContainerLogs(docker, { container: "box" })).toEqual({ stdout: "raw\n", stderr: "" });
    expect(requests).toHaveLength(1);
  });

  it("handles an empty log (no body)", async () => {
    const { docker } = await fakeDaemon((_req, res) => res.writeHead(200, { "Content-Length": "0" }).end());
    expect(await readContainerLogs(docker, { container: "box", tty: false })).toEqual({ stdout: "", stderr: "" });
  });

  it("a missing container is NoSuchContainerError", async () => {
    const { docker } = await fakeDaemon(multiplexed);
    await expect(containerLogs(docker, { container: "nope" })).rejects.toBeInstanceOf(NoSuchContainerError);
  });

  it("a body cut inside a frame is a DockerProtocolError, after the complete frames", async () => {
    const { docker } = await fakeDaemon((_req, res) => {
      res.writeHead(200);
      res.write(encodeFrame("stdout", "whole\n"));
      res.end(encodeFrame("stdout", "cut short").subarray(0, 12));
    });
    const logs = await containerLogs(docker, { container: "box", tty: false });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const piece of logs) seen.push(text(piece.data));
    })().catch((e: unknown) => e);
    expect(seen.join("")).toBe("whole\ncut ");
    expect(error).toBeInstanceOf(DockerProtocolError);
    await expect(logs.closed).rejects.toBeInstanceOf(DockerProtocolError);
  });

  it("following: aborting ends the stream with DockerAbortError and drops the connection", async () => {
    const { docker, responses } = await fakeDaemon((_req, res) => {
      res.writeHead(200);
      res.write(encodeFrame("stdout", "first\n"));
    });
    const controller = new AbortController();
    const logs = await containerLogs(docker, { container: "box", follow: true, tty: false, signal: controller.signal });
    const reader = logs.stdout.getReader();
    expect(text((await reader.read()).value!)).toBe("first\n");
    const pending = reader.read();
    controller.abort(new Error("enough"));
    await expect(pending).rejects.toBeInstanceOf(DockerAbortError);
    await expect(logs.closed).rejects.toBeInstanceOf(DockerAbortError);
    for (let i = 0; i < 50 && responses.size > 0; i++) await delay(10);
    expect(responses.size).toBe(0);
  });

  it("following: close() ends the streams cleanly and drops the connection", async () => {
    const { docker, responses } = await fakeDaemon((_req, res) => {
      res.writeHead(200);
      res.write(encodeFrame("stdout", "first\n"));
    });
    const logs = await containerLogs(docker, { container: "box", follow: true, tty: false });
    const reader = logs.output.getReader();
    expect(text((await reader.read()).value!.data)).toBe("first\n");
    const pending = reader.read();
    logs.close();
    expect((await pending).done).toBe(true);
    await logs.closed;
    for (let i = 0; i < 50 && responses.size > 0; i++) await delay(10);
    expect(responses.size).toBe(0);
  });

  it("an already aborted signal rejects before any request", async () => {
    const { docker, requests } = await fakeDaemon(multiplexed);
    await expect(containerLogs(docker, { container: "box", signal: AbortSignal.abort() })).rejects.toBeInstanceOf(DockerAbortError);
    expect(requests).toEqual([]);
  });

  it("refuses a bad tail or time before sending", async () => {
    const { docker, requests } = await fakeDaemon(multiplexed);
    await expect(containerLogs(docker, { container: "box", tail: -1 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(containerLogs(docker, { container: "box", since: Number.NaN })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(requests).toEqual([]);
  });
});

describe("formatLogTime", () => {
  it("writes seconds, with nine fraction digits only when there is a fraction", () => {
    expect(formatLogTime("since", 1_700_000_000)).toBe("1700000000");
    expect(formatLogTime("since", 1.5)).toBe("1.500000000");
    expect(formatLogTime("since", new Date(1_000))).toBe("1");
    expect(formatLogTime("since", new Date(1_001))).toBe("1.001000000");
    expect(formatLogTime("since", "2024-01-01T00:00:00Z")).toBe("2024-01-01T00:00:00Z");
    expect(formatLogTime("since", undefined)).toBeUndefined();
    expect(() => formatLogTime("since", -1)).toThrow(InvalidOptionError);
  });
});
