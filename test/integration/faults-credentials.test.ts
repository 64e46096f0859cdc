/**
 * Credentials under failure, on the real daemon and its password-protected registry: registry
 * passwords, identity tokens and the X-Registry-Auth value never appear in an error's message,
 * stack, enumerable or hidden fields, cause chain, `JSON.stringify`, `util.inspect`, nor in
 * anything written to stdout/stderr or the console while the calls run. Covered: a push with a
 * wrong password (low level and through DockerClient), a push with an identity token, a pull
 * with wrong credentials, `POST /auth`, an API error of a push that carried X-Registry-Auth
 * (the header is never part of `request`), a failing credential helper process, and URLs with
 * user info or build args in a query (redacted from `request.path`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DockerClient } from "../../src/client/index.js";
import { createCredentialStore, type RegistryAuth } from "../../src/config/credentials.js";
import { CredentialHelperError, DockerApiError, DockerError, DockerStreamError, isDockerError } from "../../src/index.js";
import { progressResult, type ProgressMessage } from "../../src/progress/fold.js";
import { readJsonStream } from "../../src/codecs/json-stream.js";
import {
  onPodman,
  rawTestApi,
  testAuthRegistry,
  testDockerHost,
  testImage,
  testRegistryCredentials,
  uniqueName,
} from "../helpers/daemon.js";

const HELPER_DIR = fileURLToPath(new URL("../fixtures/credential-helper/", import.meta.url));
const nonce = Math.random().toString(36).slice(2, 10);
const WRONG_PASSWORD = `wrong-Pa55w0rd-${nonce}`;
const IDENTITY_TOKEN = `identity-token-${nonce}`;

/** X-Registry-Auth as the CLI encodes it (base64url, padded). */
const registryAuth = (auth: RegistryAuth) => Buffer.from(JSON.stringify(auth)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");

/** Every string an error exposes: message, stack, own properties (hidden ones too), causes, JSON, inspect. */
function everythingIn(error: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const visit = (value: unknown) => {
    if (value === null || value === undefined || seen.has(value)) return;
    seen.add(value);
    if (typeof value !== "object" && typeof value !== "function") {
      parts.push(String(value));
      return;
    }
    for (const key of Reflect.ownKeys(value as object)) {
      try {
        visit((value as Record<PropertyKey, unknown>)[key as string]);
      } catch {
        // a throwing getter exposes nothing
      }
    }
  };
  visit(error);
  parts.push(String(error), JSON.stringify(error) ?? "", inspect(error, { depth: Infinity, showHidden: true }));
  return parts.join("\n");
}

// Everything written to stdout/stderr or the console while a test runs.
let output: string[] = [];
const restore: (() => void)[] = [];
beforeEach(() => {
  output = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      output.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: Infinity }))).join(" "));
      original(...args);
    };
    restore.push(() => (console[method] = original));
  }
});
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

function expectNoSecret(error: unknown, secrets: string[]): void {
  expect(isDockerError(error)).toBe(true);
  const exposed = everythingIn(error);
  for (const secret of secrets) {
    expect(exposed, "in the error").not.toContain(secret);
    expect(output.join("\n"), "in the output").not.toContain(secret);
  }
}

async function caught(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("credentials never leak through errors or output", () => {
  const registry = testAuthRegistry();
  const repository = `${registry}/berth-cred-leak`;
  const tag = uniqueName("leak")
    .replace(/[^a-z0-9-]/g, "")
    .slice(0, 100);
  const api = rawTestApi({ apiVersion: "1.41" });
  const client = new DockerClient({ host: testDockerHost(), apiVersion: "1.41" });
  const { username } = testRegistryCredentials();
  const wrong = { username, password: WRONG_PASSWORD, serveraddress: registry };

  beforeAll(async () => {
    await api.api.POST("/images/{name}/tag", { params: { path: { name: testImage() }, query: { repo: repository, tag } } });
  });
  afterAll(async () => {
    await api.api.DELETE("/images/{name}", { params: { path: { name: `${repository}:${tag}` } } }).catch(() => {});
    await api.close();
    await client.close();
  });

  const pushLowLevel = async (auth: RegistryAuth) => {
    const { data } = await api.api.POST("/images/{name}/push", {
      params: { path: { name: repository }, query: { tag } },
      headers: { "X-Registry-Auth": registryAuth(auth) },
      parseAs: "stream",
    });
    return progressResult(
      (async function* () {
        for await (const item of readJsonStream(data as ReadableStream<Uint8Array>)) {
          if (item.error) throw item.error;
          yield item.value as ProgressMessage;
        }
      })(),
    );
  };

  it("a push with a wrong password (X-Registry-Auth, low level)", async () => {
    const error = await caught(pushLowLevel(wrong));
    expect(error).toBeInstanceOf(DockerStreamError);
    expect((error as Error).message).toMatch(/unauthorized|authentication required|no basic auth/i);
    expectNoSecret(error, [WRONG_PASSWORD, registryAuth(wrong)]);
  });

  it("a push with a wrong password through DockerClient.pushImage", async () => {
    const error = await caught(client.pushImage({ name: repository, tag, auth: wrong }));
    expect(error).toBeInstanceOf(DockerError);
    expectNoSecret(error, [WRONG_PASSWORD, registryAuth(wrong)]);
  });

  it("a push with an identity token the registry does not accept", async () => {
    const auth: RegistryAuth = { identitytoken: IDENTITY_TOKEN, serveraddress: registry };
    const error = await caught(pushLowLevel(auth));
    expect(error).toBeInstanceOf(DockerError);
    expectNoSecret(error, [IDENTITY_TOKEN, registryAuth(auth)]);
  });

  it("a pull with a wrong password", async () => {
    const auth = registryAuth(wrong);
    const error = await caught(
      (async () => {
        const { data } = await api.api.POST("/images/create", {
          params: { query: { fromImage: repository, tag } },
          headers: { "X-Registry-Auth": auth },
          parseAs: "stream",
        });
        for await (const item of readJsonStream(data as ReadableStream<Uint8Array>)) {
          const message = item.value as ProgressMessage | undefined;
          if (item.error) throw item.error;
          if (message?.error) throw new DockerStreamError(message.error);
        }
      })(),
    );
    expectNoSecret(error, [WRONG_PASSWORD, auth]);
  });

  it("POST /auth with a wrong password (the daemon's login check)", async () => {
    const error = await caught(client.checkAuth({ auth: wrong }));
    expect(error).toBeInstanceOf(DockerApiError);
    expectNoSecret(error, [WRONG_PASSWORD]);
  });

  it("an API error of a push that carried X-Registry-Auth: `request` has method and path only", async () => {
    const auth = registryAuth(wrong);
    // An invalid tag: dockerd refuses with a 500 before any stream starts.
    const error = await caught(
      api.api.POST("/images/{name}/push", {
        params: { path: { name: repository }, query: { tag: "not a tag" } },
        headers: { "X-Registry-Auth": auth },
      }),
    );
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as DockerApiError).request).toEqual({
      method: "POST",
      path: `/v1.41/images/${encodeURIComponent(repository)}/push?tag=not%20a%20tag`,
    });
    expectNoSecret(error, [WRONG_PASSWORD, auth]);
  });

  it("a credential helper that fails, or answers with the secret in garbage", async () => {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-leak-config-"));
    const answers = fs.mkdtempSync(path.join(os.tmpdir(), "berth-leak-answers-"));
    try {
      fs.writeFileSync(path.join(configDir, "config.json"), JSON.stringify({ credsStore: "berth-fake" }));
      const env = { PATH: `${HELPER_DIR}${path.delimiter}${process.env["PATH"] ?? ""}`, BERTH_FAKE_CREDS_DIR: answers };
      const answer = (text: string) => fs.writeFileSync(path.join(answers, registry.replace(/[^A-Za-z0-9._-]/g, "_")), text);
      const store = createCredentialStore({ configDir, env });
      for (const text of [
        `FAIL keychain locked; tried password=${WRONG_PASSWORD}`,
        `FAIL {"Secret": "${WRONG_PASSWORD}"}`,
        `{"ServerURL": "${registry}", "Username": "berth", "Secret": "${WRONG_PASSWORD}"`,
        `Secret=${WRONG_PASSWORD}`,
      ]) {
        answer(text);
        const error = await caught(store.forImage(`${repository}:${tag}`));
        expect(error).toBeInstanceOf(CredentialHelperError);
        expectNoSecret(error, [WRONG_PASSWORD]);
      }
    } finally {
      fs.rmSync(configDir, { recursive: true, force: true });
      fs.rmSync(answers, { recursive: true, force: true });
    }
  });

  it("URLs with user info and build args in a query are redacted from `request`", async () => {
    const remote = `http://berth:${WRONG_PASSWORD}@127.0.0.1:1/context.tar`;
    if (onPodman()) {
      // podman answers this build 200 and reports the download failure inside the stream; its
      // import of the same URL is an HTTP 500 that quotes the URL, password included
      const imported = await caught(
        api.api.POST("/images/create", { params: { query: { fromSrc: remote, repo: `berth-leak-${nonce}` } }, parseAs: "text" }),
      );
      expect(imported).toBeInstanceOf(DockerApiError);
      expect(decodeURIComponent((imported as DockerApiError).request!.path)).toContain("fromSrc=http://***@127.0.0.1:1/context.tar");
      expect((imported as DockerApiError).daemonMessage).toContain("http://***@127.0.0.1:1/context.tar");
      expectNoSecret(imported, [WRONG_PASSWORD]);
      return;
    }
    const error = await caught(
      api.api.POST("/build", {
        params: { query: { remote, t: `berth-leak-${nonce}`, buildargs: { NPM_TOKEN: IDENTITY_TOKEN } } },
        parseAs: "text",
      }),
    );
    expect(error).toBeInstanceOf(DockerApiError);
    const request = (error as DockerApiError).request!;
    expect(decodeURIComponent(request.path)).toContain("remote=http://***@127.0.0.1:1/context.tar");
    expect(decodeURIComponent(request.path)).toContain('buildargs={"NPM_TOKEN":"***"}');
    // dockerd 20.10 quotes the remote URL, password included, in its own message
    // ("error downloading remote context http://berth:<password>@..."): berth redacts it there too.
    expect((error as DockerApiError).daemonMessage).toContain("http://***@127.0.0.1:1/context.tar");
    expectNoSecret(error, [WRONG_PASSWORD, IDENTITY_TOKEN]);
  });
});
