import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isDockerError } from "../../src/index.js";
import { CredentialHelperError, DockerConfigError } from "../../src/config/errors.js";
import { createCredentialStore } from "../../src/config/credentials.js";
import type { HelperInvocation, RunCredentialHelper } from "../../src/config/credential-helper.js";
import { convertToHostname, credentialKeyOf, registryOf } from "../../src/config/registry.js";

const HELPER_DIR = fileURLToPath(new URL("../fixtures/credential-helper/", import.meta.url));
const HUB = "https://index.docker.io/v1/";
const SECRET = "s3cr3t-Pa55-do-not-leak";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A config dir holding `config`, and the env that puts the fake helper on PATH with its answers in `answers`. */
function setup(config: unknown, answers: Record<string, string | object> = {}) {
  const configDir = tempDir("berth-creds-");
  fs.writeFileSync(path.join(configDir, "config.json"), JSON.stringify(config));
  const credsDir = tempDir("berth-fake-answers-");
  for (const [url, answer] of Object.entries(answers)) {
    fs.writeFileSync(
      path.join(credsDir, url.replace(/[^A-Za-z0-9._-]/g, "_")),
      typeof answer === "string" ? answer : JSON.stringify(answer),
    );
  }
  const env = { PATH: `${HELPER_DIR}${path.delimiter}${process.env["PATH"] ?? ""}`, BERTH_FAKE_CREDS_DIR: credsDir };
  const calls = () =>
    fs.existsSync(path.join(credsDir, "calls.log")) ? fs.readFileSync(path.join(credsDir, "calls.log"), "utf8").trim().split("\n") : [];
  return { configDir, env, calls };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Everything an error exposes: message, stack, every own property (enumerable or not), cause chain. */
function everythingIn(error: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const visit = (value: unknown) => {
    if (value === null || value === undefined || seen.has(value)) return;
    seen.add(value);
    if (typeof value !== "object") {
      parts.push(String(value));
      return;
    }
    for (const key of Reflect.ownKeys(value as object)) visit((value as Record<PropertyKey, unknown>)[key as string]);
  };
  visit(error);
  parts.push(JSON.stringify(error), String(error));
  return parts.join("\n");
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("registryOf: image reference → registry host (distribution's splitDockerDomain)", () => {
  it.each([
    ["busybox", "docker.io"],
    ["library/busybox:1.36", "docker.io"],
    ["someuser/app@sha256:0123", "docker.io"],
    ["docker.io/library/busybox", "docker.io"],
    ["index.docker.io/library/busybox", "docker.io"],
    ["localhost/app", "localhost"],
    ["localhost:5000/app:tag", "localhost:5000"],
    ["127.0.0.1:5056/credtest", "127.0.0.1:5056"],
    ["registry.example.com/team/app:1", "registry.example.com"],
    ["[::1]:5000/app", "[::1]:5000"],
    ["MyRegistry/app", "MyRegistry"],
  ])("%s → %s", (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });
});

describe("credentialKeyOf / convertToHostname: the key credentials are stored under", () => {
  it.each(["docker.io", "index.docker.io", "registry-1.docker.io", HUB, "https://index.docker.io/v1", "https://registry-1.docker.io/v2/"])(
    "Docker Hub alias %s → the index server key",
    (alias) => {
      expect(credentialKeyOf(alias)).toBe(HUB);
    },
  );

  it.each([
    ["registry.example.com", "registry.example.com"],
    ["registry.example.com:5000", "registry.example.com:5000"],
    ["https://registry.example.com:5000/v2/", "registry.example.com:5000"],
    ["http://user@registry.example.com/", "registry.example.com"],
    ["registry.example.com/some/path", "registry.example.com"],
    ["https://[::1]:5000/", "[::1]:5000"],
    ["https://[::1]/", "::1"],
    ["https://r.example:443", "r.example:443"],
  ])("%s → %s", (input, key) => {
    expect(credentialKeyOf(input)).toBe(key);
    expect(convertToHostname(input)).toBe(key);
  });
});

describe("createCredentialStore: config.json auths", () => {
  it("decodes base64 `auth` into username/password and keeps email and the key as serveraddress", async () => {
    const { configDir } = setup({ auths: { "registry.example.com": { auth: b64(`alice:${SECRET}`), email: "a@example.com" } } });
    const store = createCredentialStore({ configDir });
    expect(await store.get("registry.example.com")).toEqual({
      username: "alice",
      password: SECRET,
      email: "a@example.com",
      serveraddress: "registry.example.com",
    });
  });

  it("finds an entry stored under a URL key for a bare host (the CLI's ConvertToHostname fallback)", async () => {
    const { configDir } = setup({ auths: { "https://registry.example.com:5000/v1/": { auth: b64("bob:pw") } } });
    const store = createCredentialStore({ configDir });
    expect(await store.get("registry.example.com:5000")).toMatchObject({
      username: "bob",
      password: "pw",
      serveraddress: "https://registry.example.com:5000/v1/",
    });
    expect(await store.forImage("registry.example.com:5000/team/app:1")).toMatchObject({ username: "bob" });
  });

  it("maps every Docker Hub alias to the index server entry; exact keys win over alias keys", async () => {
    const { configDir } = setup({ auths: { [HUB]: { auth: b64("hubuser:hubpw") }, "docker.io": { auth: b64("alias:ignored") } } });
    const store = createCredentialStore({ configDir });
    for (const name of ["docker.io", "index.docker.io", "registry-1.docker.io", HUB]) {
      expect(await store.get(name)).toMatchObject({ username: "hubuser", serveraddress: HUB });
    }
    expect(await store.forImage("busybox:latest")).toMatchObject({ username: "hubuser" });
    const aliasOnly = setup({ auths: { "docker.io": { auth: b64("alias:pw") } } });
    expect(await createCredentialStore({ configDir: aliasOnly.configDir }).forImage("library/busybox")).toMatchObject({
      username: "alias",
    });
  });

  it("identitytoken entries are returned as identity tokens", async () => {
    const { configDir } = setup({ auths: { "r.example": { identitytoken: "tok-123" } } });
    expect(await createCredentialStore({ configDir }).get("r.example")).toEqual({ identitytoken: "tok-123", serveraddress: "r.example" });
  });

  it("no entry, no config.json, no config directory: undefined", async () => {
    const { configDir } = setup({ auths: { "other.example": { auth: b64("x:y") } } });
    expect(await createCredentialStore({ configDir }).get("r.example")).toBeUndefined();
    expect(await createCredentialStore({ configDir: path.join(configDir, "missing") }).get("r.example")).toBeUndefined();
  });

  it("a malformed auth is a DockerConfigError naming the entry, never its content", async () => {
    const { configDir } = setup({ auths: { "r.example": { auth: b64(`no-colon-${SECRET}`) } } });
    const error = await caught(createCredentialStore({ configDir }).get("r.example"));
    expect(error).toBeInstanceOf(DockerConfigError);
    expect((error as Error).message).toContain("r.example");
    expect(everythingIn(error)).not.toContain(SECRET);
    expect(everythingIn(error)).not.toContain(b64(`no-colon-${SECRET}`));
  });

  it("DOCKER_AUTH_CONFIG comes first and falls back to config.json", async () => {
    const { configDir } = setup({ auths: { "a.example": { auth: b64("file:pw") }, "b.example": { auth: b64("file:pw") } } });
    const env = { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "a.example": { auth: b64("env:pw") } } }) };
    const store = createCredentialStore({ configDir, env });
    expect(await store.get("a.example")).toMatchObject({ username: "env" });
    expect(await store.get("b.example")).toMatchObject({ username: "file" });
    const broken = createCredentialStore({ configDir, env: { DOCKER_AUTH_CONFIG: "{not json" } });
    expect(await broken.get("a.example")).toMatchObject({ username: "file" });
  });
});

describe("createCredentialStore: credential helpers (docker-credential-berth-fake)", () => {
  it("credsStore: runs `docker-credential-<store> get` with the key on stdin and maps Username/Secret", async () => {
    const { configDir, env, calls } = setup(
      { credsStore: "berth-fake" },
      { "r.example:5000": { ServerURL: "r.example:5000", Username: "carol", Secret: SECRET } },
    );
    const store = createCredentialStore({ configDir, env });
    expect(await store.get("https://r.example:5000/v2/")).toEqual({ username: "carol", password: SECRET, serveraddress: "r.example:5000" });
    expect(calls()).toEqual(["get r.example:5000"]);
  });

  it("asks the helper for Docker Hub under the index server key", async () => {
    const { configDir, env, calls } = setup({ credsStore: "berth-fake" }, { [HUB]: { Username: "hub", Secret: "pw" } });
    expect(await createCredentialStore({ configDir, env }).forImage("busybox")).toMatchObject({ username: "hub", serveraddress: HUB });
    expect(calls()).toEqual([`get ${HUB}`]);
  });

  it("a `<token>` username means the secret is an identity token", async () => {
    const { configDir, env } = setup({ credsStore: "berth-fake" }, { "r.example": { Username: "<token>", Secret: "refresh-token" } });
    expect(await createCredentialStore({ configDir, env }).get("r.example")).toEqual({
      identitytoken: "refresh-token",
      serveraddress: "r.example",
    });
  });

  it("credHelpers beats credsStore for its registry; the email still comes from auths", async () => {
    const { configDir, env, calls } = setup(
      { credsStore: "does-not-exist", credHelpers: { "r.example": "berth-fake" }, auths: { "r.example": { email: "c@example.com" } } },
      { "r.example": { Username: "dave", Secret: "pw" } },
    );
    expect(await createCredentialStore({ configDir, env }).get("r.example")).toEqual({
      username: "dave",
      password: "pw",
      email: "c@example.com",
      serveraddress: "r.example",
    });
    expect(calls()).toHaveLength(1);
  });

  it("'credentials not found in native keychain' is no credentials, falling back to an auths entry", async () => {
    const { configDir, env } = setup({ credsStore: "berth-fake", auths: { "fallback.example": { auth: b64("old:pw") } } });
    const store = createCredentialStore({ configDir, env });
    expect(await store.get("r.example")).toBeUndefined();
    expect(await store.get("fallback.example")).toMatchObject({ username: "old", password: "pw" });
  });

  // Issue 16 item 3: what a failing helper prints is never quoted (it may be the bare secret).
  it("a failing helper is a CredentialHelperError with its exit code; its output is withheld", async () => {
    const { configDir, env } = setup({ credsStore: "berth-fake" }, { "r.example": "FAIL keychain is locked" });
    const error = await caught(createCredentialStore({ configDir, env }).get("r.example"));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(isDockerError(error)).toBe(true);
    expect(error).toMatchObject({ helper: "docker-credential-berth-fake", action: "get", registry: "r.example", exitCode: 3 });
    expect((error as Error).message).not.toContain("keychain is locked");
    expect((error as Error).message).toMatch(/exited with code 3: 18 characters of output withheld/);
  });

  it("a helper that is not installed is a CredentialHelperError saying so", async () => {
    const { configDir, env } = setup({ credsStore: "berth-missing-helper" });
    const error = await caught(createCredentialStore({ configDir, env }).get("r.example"));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect((error as Error).message).toMatch(/docker-credential-berth-missing-helper was not found on PATH/);
  });

  it("a helper that hangs is killed after helperTimeoutMs", async () => {
    const { configDir, env } = setup({ credsStore: "berth-fake" }, { "r.example": "HANG" });
    const started = Date.now();
    const error = await caught(createCredentialStore({ configDir, env, helperTimeoutMs: 300 }).get("r.example"));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect((error as Error).message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("secrets never reach errors: not JSON output, failure output that echoes credentials", async () => {
    const notJson = setup({ credsStore: "berth-fake" }, { "r.example": `{"Username":"eve","Secret":"${SECRET}"` });
    const e1 = await caught(createCredentialStore({ configDir: notJson.configDir, env: notJson.env }).get("r.example"));
    expect(e1).toBeInstanceOf(CredentialHelperError);
    expect(everythingIn(e1)).not.toContain(SECRET);

    const echoes = setup({ credsStore: "berth-fake" }, { "r.example": `FAIL could not store {"Secret":"${SECRET}"}` });
    const e2 = await caught(createCredentialStore({ configDir: echoes.configDir, env: echoes.env }).get("r.example"));
    expect(e2).toBeInstanceOf(CredentialHelperError);
    expect(everythingIn(e2)).not.toContain(SECRET);
    expect((e2 as Error).message).toContain("withheld");
  });

  it("runHelper replaces the process runner (no PATH, no spawn)", async () => {
    const seen: HelperInvocation[] = [];
    const runHelper: RunCredentialHelper = async (invocation) => {
      seen.push(invocation);
      return { exitCode: 0, stdout: JSON.stringify({ serverurl: invocation.input, username: "frank", secret: "pw" }), stderr: "" };
    };
    const { configDir } = setup({ credHelpers: { "docker.io": "custom" } });
    const auth = await createCredentialStore({ configDir, runHelper }).forImage("busybox");
    expect(auth).toEqual({ username: "frank", password: "pw", serveraddress: HUB });
    expect(seen).toMatchObject([{ program: "docker-credential-custom", action: "get", input: HUB }]);
  });
});

describe("createCredentialStore.all: every registry, for X-Registry-Config (the CLI's GetAllCredentials)", () => {
  it("without a credsStore: every auths entry with credentials, then credHelpers registries", async () => {
    const { configDir, env } = setup(
      {
        auths: {
          [HUB]: { auth: b64("hub:pw") },
          "r.example": { auth: b64("r:pw"), email: "r@example.com" },
          "email-only.example": { email: "x@example.com" },
        },
        credHelpers: { "helped.example": "berth-fake", "broken.example": "berth-fake" },
      },
      { "helped.example": { Username: "h", Secret: "pw" }, "broken.example": "FAIL helper broke" },
    );
    expect(await createCredentialStore({ configDir, env }).all()).toEqual({
      [HUB]: { username: "hub", password: "pw", serveraddress: HUB },
      "r.example": { username: "r", password: "pw", email: "r@example.com", serveraddress: "r.example" },
      "helped.example": { username: "h", password: "pw", serveraddress: "helped.example" },
    });
  });

  it("with a credsStore: the helper's `list`, each entry fetched with `get`; DOCKER_AUTH_CONFIG entries override", async () => {
    const { configDir, env, calls } = setup(
      { credsStore: "berth-fake", auths: { "a.example": { email: "a@example.com" }, "ignored.example": { auth: b64("file:pw") } } },
      { "a.example": { Username: "a", Secret: "pw" }, "b.example": { Username: "<token>", Secret: "tok" } },
    );
    fs.writeFileSync(
      path.join(env.BERTH_FAKE_CREDS_DIR, "list.json"),
      JSON.stringify({ "a.example": "a", "b.example": "<token>", "gone.example": "x" }),
    );
    const store = createCredentialStore({
      configDir,
      env: { ...env, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "b.example": { auth: b64("env:pw") } } }) },
    });
    expect(await store.all()).toEqual({
      "a.example": { username: "a", password: "pw", email: "a@example.com", serveraddress: "a.example" },
      "b.example": { username: "env", password: "pw", serveraddress: "b.example" },
    });
    expect(calls()).toEqual(["list unused", "get a.example", "get b.example", "get gone.example"]);
  });

  it("a failing credsStore list is a CredentialHelperError for action list", async () => {
    const { configDir } = setup({ credsStore: "berth-missing-helper" });
    const error = await caught(createCredentialStore({ configDir, env: { PATH: "/nonexistent" } }).all());
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error).toMatchObject({ action: "list", helper: "docker-credential-berth-missing-helper" });
    expect((error as CredentialHelperError).registry).toBeUndefined();
  });
});
