import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { isDockerError } from "../../src/index.js";
import { BuildContextError } from "../../src/build-context/errors.js";
import { tarDirectory } from "../../src/build-context/tar-directory.js";

// The tests run as root, which reads any file regardless of its mode, so unreadable files are
// simulated: `open` fails with EACCES for files named "unreadable*".
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    open: async (file: string, ...rest: unknown[]) => {
      if (path.basename(String(file)).startsWith("unreadable")) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: "EACCES" });
      }
      return (actual.open as (...args: unknown[]) => Promise<unknown>)(file, ...rest);
    },
  };
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), "berth-ctx-errors-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("tarDirectory: read failures while streaming", () => {
  it("errors the stream with a BuildContextError naming the file", async () => {
    fs.writeFileSync(path.join(root, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(root, "unreadable.txt"), "x");
    const reader = (await tarDirectory(root)).getReader();
    let error: unknown;
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildContextError);
    expect(isDockerError(error)).toBe(true);
    expect(error).toMatchObject({ path: "unreadable.txt" });
    expect((error as Error).message).toMatch(/unreadable\.txt: cannot open for reading \(EACCES\)/);
  });
});
