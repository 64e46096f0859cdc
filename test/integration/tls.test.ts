/**
 * TLS against a real dockerd started with `--tlsverify` (scripts/daemon.sh start-tls: its own
 * data root, a TCP listener on 127.0.0.1 and a second one on 127.0.0.2 with the same
 * certificate, which names only IP:127.0.0.1 and DNS:localhost). Certificates come from
 * scripts/tls-certs.sh. `npm test` starts that daemon; run alone, this file starts it (and
 * stops it again). Bun and Deno run the same checks in test/runtime/tls.ts.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachToContainer, hijack } from "../../src/attach/index.js";
import {
  DockerAbortError,
  DockerApiError,
  DockerTlsError,
  connectionFromEnv,
  createDockerApi,
  loadTlsDirectory,
  type DockerApi,
  type TlsOptions,
} from "../../src/index.js";
import { testImage, uniqueName } from "../helpers/daemon.js";

let startedHere = false;
let env: Record<string, string> = {};
const pem = (name: string) => fs.readFileSync(path.join(env["BERTH_TEST_TLS_CERTS"]!, name), "utf8");
const opened: DockerApi<any>[] = [];

function api(host: string, tls: TlsOptions | undefined): DockerApi<any> {
  const docker = createDockerApi<any>({ host, tls, preferredVersion: "1.41", apiVersion: "1.41" });
  opened.push(docker);
  return docker;
}

/** The `export NAME=value` lines of scripts/daemon.sh as a record. */
function exportsOf(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^'(.*)'$/, "$1");
  }
  return vars;
}

beforeAll(async () => {
  const names = ["BERTH_TEST_TLS_DOCKER_HOST", "BERTH_TEST_TLS_MISMATCH_HOST", "BERTH_TEST_TLS_CERTS", "BERTH_TEST_TLS_UNIX_HOST"];
  if (names.every((n) => process.env[n])) {
    env = Object.fromEntries(names.map((n) => [n, process.env[n]!]));
    return;
  }
  // Not run by scripts/test.sh: use the TLS daemon if it is up, else start it for this file (and stop it after).
  const where = exportsOf(execFileSync("bash", ["scripts/daemon.sh", "env-tls"], { encoding: "utf8" }));
  const probe = createDockerApi<any>({ host: where["BERTH_TEST_TLS_UNIX_HOST"]!, preferredVersion: "1.41", apiVersion: "1.41" });
  const up = await probe.api.GET("/_ping", { parseAs: "text" }).then(
    () => true,
    () => false,
  );
  await probe.close();
  env = exportsOf(execFileSync("bash", ["scripts/daemon.sh", "start-tls"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  startedHere = !up;
}, 120_000);

afterAll(async () => {
  for (const docker of opened) await docker.close();
  if (startedHere) execFileSync("bash", ["scripts/daemon.sh", "stop-tls"], { stdio: "inherit" });
}, 120_000);

const tlsHost = () => env["BERTH_TEST_TLS_DOCKER_HOST"]!;
const mismatchHost = () => env["BERTH_TEST_TLS_MISMATCH_HOST"]!;
const good = (): TlsOptions => ({ ca: pem("ca.pem"), cert: pem("cert.pem"), key: pem("key.pem") });

/** The plain request and the hijack, each settled. */
async function both(docker: DockerApi<any>): Promise<{ plain: unknown; hijacked: unknown }> {
  const plain = await docker.api.GET("/_ping", { parseAs: "text" }).then(
    (r) => r.data,
    (e: unknown) => e,
  );
  const hijacked = await hijack(docker, { method: "GET", path: "/_ping" }).then(
    (c) => {
      c.close();
      return "OK";
    },
    (e: unknown) => e,
  );
  return { plain, hijacked };
}

describe("TLS against dockerd --tlsverify", () => {
  it("connects with the client certificate: ping, version, lists", async () => {
    const docker = api(tlsHost(), good());
    expect((await docker.api.GET("/_ping", { parseAs: "text" })).data).toBe("OK");
    const { data: version } = await docker.api.GET("/version", {});
    expect(version.ApiVersion).toBe("1.41");
    const { data: images } = await docker.api.GET("/images/json", {});
    expect(images.some((i: { RepoTags?: string[] }) => i.RepoTags?.includes(testImage()))).toBe(true);
  });

  it("reads the docker CLI's layout: DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH", async () => {
    const options = connectionFromEnv({ DOCKER_HOST: tlsHost(), DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: env["BERTH_TEST_TLS_CERTS"]! });
    expect(options.tls?.verify).toBe(true);
    const docker = api(options.host!, options.tls);
    expect((await docker.api.GET("/_ping", { parseAs: "text" })).data).toBe("OK");
    expect(loadTlsDirectory(env["BERTH_TEST_TLS_CERTS"]!, true).cert).toBe(pem("cert.pem"));
  });

  it("attaches over TLS: echo through cat with stdin half-close", async () => {
    const docker = api(tlsHost(), good());
    const { data } = await docker.api.POST("/containers/create", {
      params: { query: { name: uniqueName("tls") } },
      body: {
        Image: testImage(),
        Cmd: ["cat"],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        NetworkDisabled: true,
        HostConfig: { NetworkMode: "none" },
        StopTimeout: 1,
      },
    });
    const id = data.Id as string;
    try {
      const session = await attachToContainer(docker, {
        container: id,
        stream: true,
        stdin: true,
        stdout: true,
        tty: false,
        inputStream: "over tls\n",
      });
      await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
      expect(await new Response(session.stdout).text()).toBe("over tls\n");
      await session.closed;
      expect((await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } })).data.StatusCode).toBe(0);
    } finally {
      await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
    }
  });

  it("refuses a daemon certificate not signed by the given CA (plain and hijack)", async () => {
    const { plain, hijacked } = await both(api(tlsHost(), { ...good(), ca: pem("other-ca.pem") }));
    for (const error of [plain, hijacked]) {
      expect(error).toBeInstanceOf(DockerTlsError);
      expect(error).toMatchObject({ code: "ERR_TLS", failure: "untrusted-certificate", endpoint: tlsHost().replace("tcp://", "https://") });
    }
  });

  it("refuses a daemon whose certificate lacks the dialled name, unless verify: false is given explicitly", async () => {
    const { plain, hijacked } = await both(api(mismatchHost(), good()));
    for (const error of [plain, hijacked]) {
      expect(error).toBeInstanceOf(DockerTlsError);
      expect((error as DockerTlsError).failure).toBe("hostname-mismatch");
      expect((error as Error).message).toContain("does not name the host");
    }
    expect(await both(api(mismatchHost(), { ...good(), verify: false }))).toEqual({ plain: "OK", hijacked: "OK" });
    // The CLI's DOCKER_TLS (without _VERIFY) is the same opt-out.
    const options = connectionFromEnv({ DOCKER_HOST: mismatchHost(), DOCKER_TLS: "1", DOCKER_CERT_PATH: env["BERTH_TEST_TLS_CERTS"]! });
    expect(options.tls?.verify).toBe(false);
    expect(await both(api(options.host!, options.tls))).toEqual({ plain: "OK", hijacked: "OK" });
    // Dialling a name the certificate has works without any opt-out.
    expect(await both(api(tlsHost().replace("127.0.0.1", "localhost"), good()))).toEqual({ plain: "OK", hijacked: "OK" });
  });

  it("without a client certificate the daemon refuses, and berth says so (plain and hijack)", async () => {
    const { plain, hijacked } = await both(api(tlsHost(), { ca: pem("ca.pem") }));
    for (const error of [plain, hijacked]) {
      expect(error).toBeInstanceOf(DockerTlsError);
      expect((error as DockerTlsError).failure).toBe("client-certificate-refused");
      expect((error as Error).message).toMatch(
        /TLS handshake with Docker endpoint https:\/\/127\.0\.0\.1:\d+ was refused: the daemon requires a client certificate/,
      );
    }
  });

  it("a client certificate from an unrelated CA is refused the same way", async () => {
    const { plain, hijacked } = await both(api(tlsHost(), { ca: pem("ca.pem"), cert: pem("other-cert.pem"), key: pem("other-key.pem") }));
    for (const error of [plain, hijacked]) expect(error).toMatchObject({ name: "DockerTlsError", failure: "client-certificate-refused" });
  });

  it("plain HTTP to the TLS port is a typed error (dockerd answers 400)", async () => {
    const error = await api(tlsHost(), undefined)
      .api.GET("/_ping", { parseAs: "text" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect(error).toMatchObject({ status: 400 });
  });

  it("no error shows key material, even through util.inspect", async () => {
    const key = pem("other-key.pem");
    const { plain, hijacked } = await both(api(tlsHost(), { ca: pem("ca.pem"), cert: pem("other-cert.pem"), key }));
    const keyBody = key.split("\n")[1]!;
    for (const error of [plain, hijacked]) {
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(keyBody);
      expect(JSON.stringify(error)).not.toContain(keyBody);
    }
  });

  it("an aborted event stream over TLS ends within 100 ms", async () => {
    const docker = api(tlsHost(), good());
    const controller = new AbortController();
    const { data } = await docker.api.GET("/events", { parseAs: "stream", signal: controller.signal });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    const pending = reader.read().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    controller.abort();
    expect(await pending).toBeInstanceOf(DockerAbortError);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
