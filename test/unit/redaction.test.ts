/**
 * Issue 16 item 3: a daemon (or a proxy in front of it) that echoes the credentials of a request
 * into its answer. For every call that carries a credential, a fake daemon on a unix socket
 * echoes it in every way (the header as sent, its decoded JSON, the bare password, a raw dump of
 * the request, a stream `errorDetail`, a progress message): no secret may appear in any property
 * or rendering of the error (`message`, `stack`, `String()`, `util.inspect`, `JSON.stringify`,
 * `daemonMessage`, the cause chain) nor in a message handed to the caller.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient } from "../../src/client/index.js";
import { encodeRegistryAuth } from "../../src/client/auth.js";
import { isDockerError } from "../../src/errors.js";
import { SecretSet, redactErrorSecrets } from "../../src/secrets.js";
import { getFromHelper } from "../../src/config/credential-helper.js";

const PASSWORD = "s3cr3t-P@ss/w+rd";
const TOKEN = "idtok-7f3a9c1e5b";
const AUTH = { username: "berth", password: PASSWORD, serveraddress: "127.0.0.1:5000" };
const TOKEN_AUTH = { identitytoken: TOKEN, serveraddress: "r.example" };
const BASIC_AUTH = { auth: Buffer.from(`berth:${PASSWORD}`).toString("base64"), serveraddress: "r.example" };

/** Every string a secret of the requests above may be echoed as. */
const FORBIDDEN = [
  PASSWORD,
  JSON.stringify(PASSWORD).slice(1, -1),
  encodeURIComponent(PASSWORD),
  TOKEN,
  encodeRegistryAuth(AUTH),
  encodeRegistryAuth(TOKEN_AUTH),
  encodeRegistryAuth(BASIC_AUTH),
  encodeRegistryAuth({ "127.0.0.1:5000": AUTH }),
  BASIC_AUTH.auth,
];

type Echo = "header" | "decoded" | "password" | "dump" | "stream-error" | "stream-status" | "auth-status";
let echo: Echo = "header";

function answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  const header = String(req.headers["x-registry-auth"] ?? req.headers["x-registry-config"] ?? "");
  const decoded = header ? Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString() : body;
  // The bare secrets this request carried, as a daemon that decoded them would quote them.
  const bare: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    for (const [key, item] of Object.entries(value)) {
      if (key === "password" || key === "identitytoken") bare.push(String(item));
      else if (key === "auth") bare.push(Buffer.from(String(item), "base64").toString().split(":")[1]!);
      else collect(item);
    }
  };
  try {
    collect(JSON.parse(decoded));
  } catch {
    // Not JSON: nothing bare to quote.
  }
  const secret = bare.join(" and ");
  const dump = `${req.method} ${req.url}\r\n${Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join("\r\n")}\r\n\r\n${body}`;
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  switch (echo) {
    case "header":
      return json(500, { message: `invalid X-Registry-Auth header: ${header || body}` });
    case "decoded":
      return json(500, { message: `cannot log in with ${decoded}` });
    case "password":
      res.writeHead(401, { "content-type": "text/plain" });
      return void res.end(`wrong password ${secret} for user berth`);
    case "dump":
      res.writeHead(400, { "content-type": "text/plain" });
      return void res.end(`proxy refused the request:\r\n${dump}`);
    case "stream-error":
    case "stream-status":
      res.writeHead(200, { "content-type": "application/json" });
      if (echo === "stream-status") res.write(`${JSON.stringify({ status: `authenticated as ${decoded}` })}\n`);
      return void res.end(
        `${JSON.stringify({ errorDetail: { message: `denied: ${decoded} ${header} ${secret}` }, error: `denied: ${secret}` })}\n`,
      );
    case "auth-status":
      // A 200 answer to POST /auth echoing the body, then one that is not JSON at all.
      if (req.url?.includes("bad")) {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(`not json ${body}`);
      }
      return json(200, { Status: `Login Succeeded for ${body}`, IdentityToken: "" });
  }
}

let server: http.Server;
let dir: string;
let docker: DockerClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-redact-"));
  const socketPath = path.join(dir, "d.sock");
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  docker = new DockerClient({ host: `unix://${socketPath}`, apiVersion: "1.41" });
});

afterAll(async () => {
  await docker.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every rendering of an error a program or a log could show. */
function renderings(error: unknown): string[] {
  const seen = new Set<unknown>();
  const own: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (value === null || value === undefined || seen.has(value) || depth > 8) return;
    seen.add(value);
    if (typeof value !== "object") return void own.push(String(value));
    for (const key of Reflect.ownKeys(value as object)) visit((value as Record<PropertyKey, unknown>)[key as string], depth + 1);
  };
  visit(error, 0);
  const e = error as Error & { daemonMessage?: string };
  return [
    e.message,
    String(e.stack),
    String(e),
    inspect(e, { depth: 10 }),
    JSON.stringify(e),
    String(e.daemonMessage),
    inspect(e.cause, { depth: 10 }),
    ...own,
  ];
}

function expectNoSecret(what: string, texts: string[]): void {
  for (const text of texts) for (const secret of FORBIDDEN) expect(text.includes(secret), `${what}: ${JSON.stringify(text)}`).toBe(false);
}

async function settle(run: () => Promise<unknown>): Promise<{ error?: unknown; result?: unknown }> {
  try {
    return { result: await run() };
  } catch (error) {
    return { error };
  }
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

/** Calls that carry a credential, each run to its end (messages collected). */
const calls: Record<string, (messages: unknown[]) => Promise<unknown>> = {
  "pullImage with a password": async (messages) => {
    for await (const m of docker.pullImage({ repository: "127.0.0.1:5000/app", tag: "1", auth: AUTH })) messages.push(m);
  },
  "pullImage with an identity token": async (messages) => {
    for await (const m of docker.pullImage({ repository: "r.example/app", tag: "1", auth: TOKEN_AUTH })) messages.push(m);
  },
  "pushImage with a base64 auth": async (messages) => {
    for await (const m of docker.pushImage({ name: "r.example/app", tag: "1", auth: BASIC_AUTH })) messages.push(m);
  },
  "buildImage with registryConfig": async (messages) => {
    const op = docker.buildImage({ remote: "http://127.0.0.1:1/ctx.tar", name: "x", registryConfig: { "127.0.0.1:5000": AUTH } });
    for await (const m of op) messages.push(m);
  },
  checkAuth: async () => docker.checkAuth({ auth: { ...AUTH, identitytoken: TOKEN } }),
  "low-level call with X-Registry-Auth": async () =>
    docker.api.POST("/images/create", {
      params: { query: { fromImage: "x" }, header: { "X-Registry-Auth": encodeRegistryAuth(AUTH) } },
      parseAs: "text",
    }),
};

describe("credentials echoed by a daemon never come back out (issue 16 item 3)", () => {
  const echoes: Echo[] = ["header", "decoded", "password", "dump", "stream-error", "stream-status"];
  for (const [name, call] of Object.entries(calls)) {
    // The raw API hands a 2xx body over as sent (it is data, not an error): only its error answers apply.
    for (const mode of name.startsWith("low-level") ? echoes.filter((e) => !e.startsWith("stream")) : echoes) {
      it(`regression: ${name}, answer echoing ${mode}`, async () => {
        echo = mode;
        const messages: unknown[] = [];
        const { error, result } = await settle(() => call(messages));
        expectNoSecret(
          `${name}/${mode} messages`,
          messages.map((m) => JSON.stringify(m)),
        );
        // A plain call given a 200 stream succeeds: then its result must be clean instead.
        if (error === undefined) return void expectNoSecret(`${name}/${mode} result`, [inspect(result, { depth: 10 })]);
        expect(isDockerError(error), inspect(error)).toBe(true);
        expectNoSecret(`${name}/${mode}`, renderings(error));
        // The text around the secret is kept: the error still says what went wrong.
        expect((error as Error).message).toContain("***");
      });
    }
  }

  it("regression: checkAuth's answer echoing the credentials is redacted, in the result and in a malformed answer's error", async () => {
    echo = "auth-status";
    const result = await docker.checkAuth({ auth: AUTH });
    expect(result.Status).toMatch(/^Login Succeeded for /);
    expectNoSecret("checkAuth result", [JSON.stringify(result)]);
    const error = await failure(() => docker.api.POST("/auth?bad=1" as "/auth", { body: AUTH, parseAs: "json" }));
    expect(isDockerError(error)).toBe(true);
    expectNoSecret("checkAuth malformed", renderings(error));
  });

  it("regression: a credential helper that prints the bare secret on failure does not leak it", async () => {
    const run = async () => ({ exitCode: 1, stdout: PASSWORD, stderr: "" });
    const error = await failure(() => getFromHelper("fake", "r.example", run, undefined, 1000));
    expectNoSecret("helper", renderings(error));
    expect((error as Error).message).toMatch(/exited with code 1: 16 characters of output withheld/);
  });

  it("redactErrorSecrets reaches message, stack, own properties and the cause chain; an empty set changes nothing", () => {
    const secrets = new SecretSet();
    secrets.add(PASSWORD);
    const inner = new Error(`inner ${PASSWORD}`);
    const error = Object.assign(new Error(`outer ${PASSWORD}`, { cause: inner }), { detail: `x${PASSWORD}x` });
    redactErrorSecrets(error, secrets);
    expect(error.message).toBe("outer ***");
    expect(error.stack).not.toContain(PASSWORD);
    expect(error.detail).toBe("x***x");
    expect(inner.message).toBe("inner ***");
    const untouched = new Error(PASSWORD);
    expect(redactErrorSecrets(untouched, new SecretSet()).message).toBe(PASSWORD);
  });
});
