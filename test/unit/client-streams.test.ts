/**
 * Streaming calls through msw: JSON progress streams (errors inside the stream, cut streams,
 * results, laziness and single use) and byte outputs (bytes, pipeTo, iteration), plus the
 * request bodies uploads are sent as.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { isBodyInput, toRequestBody } from "../../src/body.js";
import {
  DockerClient,
  MissingOutputStreamError,
  type ByteStreamOperation,
  type BuildResult,
  type ProgressMessage,
  type ProgressOperation,
  type PullResult,
} from "../../src/client/index.js";
import { DockerAbortError, DockerError, DockerProtocolError, DockerStreamError, InvalidOptionError } from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

const V = `${FAKE_ORIGIN}/v1.41`;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = () => new DockerClient({ transport: fetchTransport(), apiVersion: "1.41" });
const encoder = new TextEncoder();

/** A chunked JSON-lines body sent piece by piece (`pieces` may cut values anywhere). */
function jsonLines(pieces: string[], options: { failAfter?: boolean } = {}): HttpResponse<ReadableStream> {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const piece of pieces) {
        controller.enqueue(encoder.encode(piece));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      if (options.failAfter) controller.error(new Error("connection reset"));
      else controller.close();
    },
  });
  return new HttpResponse(body, { headers: { "Content-Type": "application/json" } });
}
const line = (value: object) => `${JSON.stringify(value)}\r\n`;

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const FULL_ID = `sha256:${"ab".repeat(32)}`;

describe("progress streams", () => {
  it("iterates typed messages, then resolves with the result", async () => {
    server.use(
      http.post(`${V}/build`, () =>
        jsonLines([
          line({ stream: "Step 1/2 : FROM busybox\n" }),
          `{"stream":" ---> 666f71a7d972\\n"}\n{"aux":{"ID":"${FULL_ID}`,
          `"}}\n`,
          line({ stream: "Successfully built abababababab\n" }),
        ]),
      ),
    );
    const operation = client().buildImage({ context: new Uint8Array(1024) });
    const seen: ProgressMessage[] = [];
    for await (const message of operation) seen.push(message);
    expect(seen).toEqual([
      { stream: "Step 1/2 : FROM busybox\n" },
      { stream: " ---> 666f71a7d972\n" },
      { aux: { ID: FULL_ID } },
      { stream: "Successfully built abababababab\n" },
    ]);
    expect(await operation).toEqual({ imageId: FULL_ID });
  });

  it("resolves a short build id (older daemons) to the full one", async () => {
    server.use(
      http.post(`${V}/build`, () => jsonLines([line({ stream: "Successfully built 0456aff6350b\n" })])),
      http.get(`${V}/images/:name/json`, ({ params }) => HttpResponse.json({ Id: params["name"] === "0456aff6350b" ? FULL_ID : "wrong" })),
    );
    expect(await client().buildImage({ remote: "https://example.org/context.tar" })).toEqual({ imageId: FULL_ID });
  });

  it("rejects with DockerStreamError when a message carries errorDetail, however it is consumed", async () => {
    const failing = () =>
      jsonLines([
        line({ stream: "Step 2/2 : RUN false\n" }),
        line({
          errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" },
          error: "The command '/bin/sh -c false' returned a non-zero code: 1",
        }),
      ]);
    server.use(http.post(`${V}/build`, failing));
    const awaited = await client()
      .buildImage({ context: "x" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(awaited).toBeInstanceOf(DockerStreamError);
    expect(awaited).toMatchObject({
      detailCode: 1,
      message: "The command '/bin/sh -c false' returned a non-zero code: 1",
      request: { method: "POST", path: "/build" },
    });

    const operation = client().buildImage({ context: "x" });
    const seen: ProgressMessage[] = [];
    const looped = await (async () => {
      for await (const message of operation) seen.push(message);
    })().catch((e: unknown) => e);
    expect(looped).toBeInstanceOf(DockerStreamError);
    expect(seen).toEqual([{ stream: "Step 2/2 : RUN false\n" }]);
    // Awaiting after the loop gives the same failure, never a success.
    await expect(operation).rejects.toBe(looped);
  });

  it("fails a push refused inside the stream (only `error`, no detail)", async () => {
    server.use(
      http.post(`${V}/images/:name/push`, () =>
        jsonLines([line({ status: "The push refers to repository [r/x]" }), line({ error: "unauthorized: authentication required" })]),
      ),
    );
    await expect(client().pushImage({ name: "r/x" })).rejects.toMatchObject({
      name: "DockerStreamError",
      message: "unauthorized: authentication required",
    });
  });

  it("rejects a stream cut inside a message with DockerProtocolError", async () => {
    server.use(http.post(`${V}/images/create`, () => jsonLines([line({ status: "Pulling from x" }), '{"status":"Downloa'])));
    const error = await client()
      .pullImage({ repository: "x" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(DockerProtocolError);
    expect(String((error as Error).message)).toMatch(/ended inside a value/);
  });

  it("rejects a stream whose connection breaks, never resolving early", async () => {
    server.use(http.post(`${V}/images/create`, () => jsonLines([line({ status: "Pulling from x" })], { failAfter: true })));
    await expect(client().pullImage({ repository: "x" })).rejects.toBeInstanceOf(DockerError);
  });

  it("rejects a malformed message and a message of the wrong shape", async () => {
    server.use(
      http.post(`${V}/images/create`, ({ request }) =>
        new URL(request.url).searchParams.get("fromImage") === "a" ? jsonLines(["{nope}\n"]) : jsonLines([line({ status: 42 })]),
      ),
    );
    await expect(client().pullImage({ repository: "a" })).rejects.toBeInstanceOf(DockerProtocolError);
    await expect(client().pullImage({ repository: "b" })).rejects.toMatchObject({ name: "InvalidResponseError" });
  });

  it("requires a build to report its image", async () => {
    server.use(http.post(`${V}/build`, () => jsonLines([line({ stream: "Step 1/1 : FROM x\n" })])));
    await expect(client().buildImage({ context: "x" })).rejects.toMatchObject({
      name: "DockerProtocolError",
      message: expect.stringMatching(/without reporting/),
    });
  });

  it("reports pull, push and import results", async () => {
    const digest = `sha256:${"cd".repeat(32)}`;
    server.use(
      http.post(`${V}/images/create`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        if (query.get("fromSrc"))
          return jsonLines([line({ status: "Importing", progressDetail: { current: 1, total: 2 } }), line({ status: FULL_ID })]);
        return jsonLines([
          line({ status: "Pulling from team/app", id: query.get("tag") }),
          line({ status: `Digest: ${digest}` }),
          line({ status: "Status: Downloaded newer image for r:5000/team/app:1.0" }),
        ]);
      }),
      http.post(`${V}/images/:name/push`, () =>
        jsonLines([
          line({ status: `1.0: digest: ${digest} size: 942` }),
          line({ progressDetail: {}, aux: { Tag: "1.0", Digest: digest, Size: 942 } }),
        ]),
      ),
    );
    const docker = client();
    expect(await docker.pullImage({ repository: "team/app", registry: "r:5000", tag: "1.0" })).toEqual({
      image: "r:5000/team/app:1.0",
      digest,
      status: "Status: Downloaded newer image for r:5000/team/app:1.0",
    });
    expect(await docker.pushImage({ name: "r:5000/team/app:1.0" })).toEqual({ digest, tag: "1.0", size: 942 });
    expect(await docker.importImage({ url: "http://example.org/rootfs.tar", repository: "x" })).toEqual({ imageId: FULL_ID });
  });

  it("loads: newer daemons stream results, v1.10 daemons answer with no body", async () => {
    let json = true;
    server.use(
      http.post(`${V}/images/load`, () =>
        json
          ? jsonLines([line({ stream: "Loaded image: team/app:1\n" }), line({ stream: `Loaded image ID: ${FULL_ID}\n` })])
          : new HttpResponse(null, { status: 200 }),
      ),
    );
    expect(await client().loadImage({ input: new Uint8Array(10) })).toEqual({ images: ["team/app:1", FULL_ID] });
    json = false;
    expect(await client().loadImage({ input: new Uint8Array(10) })).toEqual({ images: [] });
  });

  it("sends nothing until used, and can be consumed once", async () => {
    let requests = 0;
    server.use(
      http.post(`${V}/images/create`, () => {
        requests++;
        return jsonLines([line({ status: "a" }), line({ status: "b" })]);
      }),
    );
    const operation = client().pullImage({ repository: "x" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests).toBe(0);
    const result = await operation;
    expect(requests).toBe(1);
    expect(() => operation[Symbol.asyncIterator]()).toThrow(/already consumed/);
    // Awaiting again gives the same result without a new request.
    expect(await operation).toBe(result);
    expect(requests).toBe(1);
  });

  it("cancels the request when the loop is left early, and the result rejects", async () => {
    // A transport answering directly: msw keeps a tee of every mocked body for its events, and
    // cancelling one branch of a tee waits for the other, so msw cannot show a cancel reaching the source.
    let cancelled = false;
    const transport = {
      ...fetchTransport(),
      fetch: async () => {
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(encoder.encode(line({ status: "Downloading", progressDetail: { current: 1, total: 100 } })));
          },
          cancel() {
            cancelled = true;
          },
        });
        return new Response(body, { headers: { "Content-Type": "application/json" } });
      },
    };
    const operation = new DockerClient({ transport, apiVersion: "1.41" }).pullImage({ repository: "x" });
    let count = 0;
    for await (const _message of operation) if (++count === 3) break;
    expect(cancelled).toBe(true);
    await expect(operation).rejects.toBeInstanceOf(DockerAbortError);
  });

  it("delivers option errors through the operation", async () => {
    await expect(client().buildImage({ context: "x", remote: "http://x" })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(client().importImage({ url: "not a url" })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(client().importImage({})).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe("byte outputs", () => {
  const archive = new Uint8Array(300_000).map((_, i) => i % 251);
  function tarAnswer() {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < archive.length; offset += 65_536) controller.enqueue(archive.slice(offset, offset + 65_536));
        controller.close();
      },
    });
    return new HttpResponse(body, { headers: { "Content-Type": "application/x-tar" } });
  }

  it("collects, iterates and pipes the same bytes", async () => {
    server.use(http.get(`${V}/containers/:id/export`, tarAnswer));
    const docker = client();
    expect(await docker.exportContainer({ id: "c" }).bytes()).toEqual(archive);

    const chunks: Uint8Array[] = [];
    for await (const chunk of docker.exportContainer({ id: "c" })) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(archive));

    const received: Uint8Array[] = [];
    await docker.exportContainer({ id: "c" }).pipeTo(new WritableStream({ write: (chunk) => void received.push(chunk) }));
    expect(Buffer.concat(received)).toEqual(Buffer.from(archive));

    // A slow Node Writable: every write waits for its drain.
    const nodeReceived: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        nodeReceived.push(chunk);
        setTimeout(callback, 1);
      },
    });
    await docker.exportContainer({ id: "c" }).pipeTo(slow);
    expect(Buffer.concat(nodeReceived)).toEqual(Buffer.from(archive));
    expect(slow.writableFinished).toBe(true);

    const stream = await docker.exportContainer({ id: "c" });
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(await collect(stream)).toEqual(Buffer.from(archive));
  });

  it("refuses a missing destination and a second consumer", async () => {
    server.use(http.get(`${V}/containers/:id/export`, tarAnswer));
    const operation = client().exportContainer({ id: "c" });
    await expect(operation.pipeTo(undefined as never)).rejects.toBeInstanceOf(MissingOutputStreamError);
    await operation.bytes();
    await expect(operation.bytes()).rejects.toThrow(/already consumed/);
  });

  it("maps a 404 before any byte", async () => {
    server.use(http.get(`${V}/containers/:id/export`, () => HttpResponse.json({ message: "No such container: c" }, { status: 404 })));
    await expect(client().exportContainer({ id: "c" }).stream()).rejects.toMatchObject({ name: "NoSuchContainerError", id: "c" });
  });
});

describe("upload bodies", () => {
  it("streams Node Readables and async iterables with backpressure", async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield encoder.encode(`chunk${i};`);
      }
    }
    const body = toRequestBody(source(), "input") as ReadableStream<Uint8Array>;
    expect(body).toBeInstanceOf(ReadableStream);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pulled).toBe(0);
    const reader = body.getReader();
    await reader.read();
    expect(pulled).toBe(1);
    reader.releaseLock();

    const fromNode = toRequestBody(Readable.from(["a", "b"].map((s) => Buffer.from(s))), "input") as ReadableStream<Uint8Array>;
    expect((await collect(fromNode)).toString()).toBe("ab");
  });

  it("passes whole values through and refuses what is not a body", async () => {
    const bytes = new Uint8Array([1, 2]);
    expect(toRequestBody(bytes, "input")).toBe(bytes);
    expect(toRequestBody("text", "input")).toBe("text");
    const web = new ReadableStream<Uint8Array>();
    expect(toRequestBody(web, "input")).toBe(web);
    expect(isBodyInput(new PassThrough())).toBe(true);
    expect(isBodyInput(42)).toBe(false);
    expect(() => toRequestBody(42 as never, "input")).toThrow(InvalidOptionError);
    const bad = toRequestBody([{ not: "bytes" }] as never, "input") as ReadableStream<Uint8Array>;
    await expect(bad.getReader().read()).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("uploads an import from a stream as the request body", async () => {
    let received = "";
    server.use(
      http.post(`${V}/images/create`, async ({ request }) => {
        expect(new URL(request.url).searchParams.get("fromSrc")).toBe("-");
        expect(request.headers.get("content-type")).toBe("application/x-tar");
        received = await request.text();
        return jsonLines([line({ status: FULL_ID })]);
      }),
    );
    async function* parts() {
      yield "part one,";
      yield encoder.encode("part two");
    }
    expect(await client().importImage({ input: parts(), repository: "x" })).toEqual({ imageId: FULL_ID });
    expect(received).toBe("part one,part two");
  });
});

describe("abort signals", () => {
  it("aborts a waiting call with DockerAbortError", async () => {
    server.use(http.post(`${V}/containers/:id/wait`, () => new Promise<never>(() => undefined)));
    const controller = new AbortController();
    const waiting = client().waitContainer({ id: "c", signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(waiting).rejects.toBeInstanceOf(DockerAbortError);
  });

  it("stops a running stream at once, whatever the transport does", async () => {
    // A transport that ignores the signal (answering directly, see the cancel test above).
    let cancelled = false;
    const transport = {
      ...fetchTransport(),
      fetch: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull: (c) => c.enqueue(encoder.encode(line({ status: "Downloading" }))),
            cancel: () => void (cancelled = true),
          }),
          { headers: { "Content-Type": "application/json" } },
        ),
    };
    const docker = new DockerClient({ transport, apiVersion: "1.41" });
    const controller = new AbortController();
    const pull = docker.pullImage({ repository: "x", signal: controller.signal });
    let seen = 0;
    const loop = (async () => {
      for await (const _message of pull) if (++seen === 2) controller.abort();
    })();
    await expect(loop).rejects.toBeInstanceOf(DockerAbortError);
    await expect(pull).rejects.toBeInstanceOf(DockerAbortError);
    expect(seen).toBe(2);
    expect(cancelled).toBe(true);

    const exportController = new AbortController();
    let chunks = 0;
    const exporting = (async () => {
      for await (const _chunk of docker.exportContainer({ id: "c", signal: exportController.signal }))
        if (++chunks === 3) exportController.abort();
    })();
    await expect(exporting).rejects.toBeInstanceOf(DockerAbortError);
    expect(chunks).toBe(3);
  });
});

describe("operation types", () => {
  it("are iterable and awaitable with the documented element and result types", () => {
    expectTypeOf<ReturnType<DockerClient["pullImage"]>>().toEqualTypeOf<ProgressOperation<PullResult>>();
    expectTypeOf<ReturnType<DockerClient["buildImage"]>>().toMatchTypeOf<AsyncIterable<ProgressMessage> & PromiseLike<BuildResult>>();
    expectTypeOf<Awaited<ReturnType<DockerClient["buildImage"]>>>().toEqualTypeOf<BuildResult>();
    expectTypeOf<ReturnType<DockerClient["exportContainer"]>>().toEqualTypeOf<ByteStreamOperation>();
    expectTypeOf<Awaited<ReturnType<DockerClient["copyFromContainer"]>>>().toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf<ByteStreamOperation["bytes"]>().returns.resolves.toEqualTypeOf<Uint8Array>();
    // Image is required on create; the kill signal is not the AbortSignal.
    expectTypeOf<Parameters<DockerClient["createContainer"]>[0]["config"]["Image"]>().toEqualTypeOf<string>();
    expectTypeOf<Parameters<DockerClient["killContainer"]>[0]["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
  });
});
