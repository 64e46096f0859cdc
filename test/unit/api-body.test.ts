/** The raw client's request bodies (serializeDockerBody): binary bodies are sent as bytes, not as JSON. */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { paths } from "../../generated/v1.41/index.js";
import { createDockerApi, serializeDockerBody } from "../../src/index.js";
import { FAKE_ORIGIN, fetchTransport } from "../helpers/fake-daemon.js";

describe("raw client bodies", () => {
  const received: { type: string | null; bytes: string }[] = [];
  const server = setupServer(
    http.post(`${FAKE_ORIGIN}/v1.41/build`, async ({ request }) => {
      received.push({ type: request.headers.get("Content-Type"), bytes: new TextDecoder().decode(await request.arrayBuffer()) });
      return HttpResponse.text('{"stream":"ok"}\n');
    }),
    http.post(`${FAKE_ORIGIN}/v1.41/volumes/create`, async ({ request }) => {
      received.push({ type: request.headers.get("Content-Type"), bytes: await request.text() });
      return HttpResponse.json(
        { Name: "v", Driver: "local", Mountpoint: "/m", Labels: null, Scope: "local", Options: null },
        { status: 201 },
      );
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    received.length = 0;
  });
  afterAll(() => server.close());

  it("a web stream or bytes as a binary body arrive as those bytes; JSON bodies stay JSON", async () => {
    const docker = createDockerApi<paths>({ transport: fetchTransport(), apiVersion: "1.41" });
    const tar = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("tar-bytes"));
          controller.close();
        },
      });
    const header = { "Content-type": "application/x-tar" } as const;
    await docker.api.POST("/build", { params: { header }, body: tar(), parseAs: "stream" });
    await docker.api.POST("/build", { params: { header }, body: new TextEncoder().encode("more-bytes"), parseAs: "stream" });
    const { data } = await docker.api.POST("/volumes/create", { body: { Name: "v" } });
    expect(data.Labels).toBeNull();
    expect(received).toEqual([
      { type: "application/x-tar", bytes: "tar-bytes" },
      { type: "application/x-tar", bytes: "more-bytes" },
      { type: "application/json", bytes: '{"Name":"v"}' },
    ]);
  });

  it("strings go as they are only under a non-JSON Content-Type", () => {
    expect(serializeDockerBody("FROM x", { "Content-Type": "text/plain" })).toBe("FROM x");
    expect(serializeDockerBody("FROM x", new Headers({ "Content-Type": "application/json" }))).toBe('"FROM x"');
    expect(serializeDockerBody(["a"], undefined)).toBe('["a"]');
  });
});
