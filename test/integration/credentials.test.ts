/**
 * Registry credentials end to end: config.json names a credential store, the fake helper
 * (test/fixtures/credential-helper) answers for the password-protected test registry, and the
 * credentials it returned are what makes a real push through the test daemon succeed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerStreamError } from "../../src/index.js";
import { createCredentialStore, type RegistryAuth } from "../../src/config/credentials.js";
import { progressResult, type ProgressMessage } from "../../src/progress/fold.js";
import { rawTestApi, testAuthRegistry, testImage, testRegistryCredentials, uniqueName } from "../helpers/daemon.js";

const HELPER_DIR = fileURLToPath(new URL("../fixtures/credential-helper/", import.meta.url));

/** X-Registry-Auth as the CLI encodes it: base64url with padding of the JSON AuthConfig. */
function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** The JSON lines of a progress response body. */
async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<ProgressMessage> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield JSON.parse(line) as ProgressMessage;
    }
  }
  if (pending.trim()) yield JSON.parse(pending) as ProgressMessage;
}

describe("credentials from a credential helper, used for a real push", () => {
  const registry = testAuthRegistry();
  const repository = `${registry}/credtest`;
  const tag = uniqueName("cred").replace(/[^a-z0-9-]/g, "");
  const image = `${repository}:${tag}`;
  const api = rawTestApi({ apiVersion: "1.41" });
  let configDir: string;
  let answers: string;
  let env: Record<string, string>;

  const setHelperAnswer = (secret: string) => {
    const { username } = testRegistryCredentials();
    fs.writeFileSync(
      path.join(answers, registry.replace(/[^A-Za-z0-9._-]/g, "_")),
      JSON.stringify({ ServerURL: registry, Username: username, Secret: secret }),
    );
  };

  const push = async (auth: RegistryAuth | undefined) => {
    const { data } = await api.api.POST("/images/{name}/push", {
      params: { path: { name: repository }, query: { tag } },
      headers: { "X-Registry-Auth": auth ? registryAuthHeader(auth) : "e30=" },
      parseAs: "stream",
    });
    return progressResult(jsonLines(data as ReadableStream<Uint8Array>));
  };

  beforeAll(async () => {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-cred-config-"));
    answers = fs.mkdtempSync(path.join(os.tmpdir(), "berth-cred-answers-"));
    fs.writeFileSync(path.join(configDir, "config.json"), JSON.stringify({ credsStore: "berth-fake" }));
    env = { PATH: `${HELPER_DIR}${path.delimiter}${process.env["PATH"] ?? ""}`, BERTH_FAKE_CREDS_DIR: answers };
    await api.api.POST("/images/{name}/tag", { params: { path: { name: testImage() }, query: { repo: repository, tag } } });
  });

  afterAll(async () => {
    await api.api.DELETE("/images/{name}", { params: { path: { name: image } } }).catch(() => {});
    await api.close();
    fs.rmSync(configDir, { recursive: true, force: true });
    fs.rmSync(answers, { recursive: true, force: true });
  });

  it("the helper's credentials push to the password-protected registry", async () => {
    setHelperAnswer(testRegistryCredentials().password);
    const store = createCredentialStore({ configDir, env });
    const auth = await store.forImage(image);
    expect(auth).toEqual({
      username: testRegistryCredentials().username,
      password: testRegistryCredentials().password,
      serveraddress: registry,
    });
    expect(fs.readFileSync(path.join(answers, "calls.log"), "utf8")).toBe(`get ${registry}\n`);

    const result = await push(auth);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.tag).toBe(tag);
  });

  it("without credentials the registry refuses the push", async () => {
    const error = await push(undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
  });

  it("a wrong password from the helper makes the push report an error, which never shows the password", async () => {
    const wrong = "definitely-not-the-password";
    setHelperAnswer(wrong);
    const auth = await createCredentialStore({ configDir, env }).forImage(image);
    expect(auth?.password).toBe(wrong);
    const error = await push(auth).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toMatch(/unauthorized|authentication required|no basic auth/i);
    expect((error as Error).message).not.toContain(wrong);
  });
});
