/**
 * TLS verification on the Node transport against `node:tls` servers with the material of
 * scripts/tls-certs.sh (a CA, a server certificate for IP:127.0.0.1 / DNS:localhost, a client
 * certificate, an unrelated CA, a certificate for the wrong host name). The real daemon with
 * `--tlsverify` is test/integration/tls.test.ts; Bun and Deno are test/runtime/tls.ts.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hijack } from "../../src/attach/index.js";
import { DockerTlsError, InvalidEndpointError, createDockerApi, type TlsOptions } from "../../src/index.js";

let dir: string;
const pem = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
const servers: tls.Server[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-tls-unit-"));
  execFileSync("bash", [path.resolve("scripts/tls-certs.sh"), dir], { stdio: "ignore" });
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An HTTPS server answering every request with `OK` and recording the Host header and SNI. */
async function server(options: { cert: string; key: string; requireClientCert?: boolean }) {
  const seen: { host?: string; servername?: string | false | null }[] = [];
  const srv = tls.createServer(
    {
      cert: pem(options.cert),
      key: pem(options.key),
      ...(options.requireClientCert ? { ca: pem("ca.pem"), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket) => {
      socket.on("error", () => {});
      let buffered = "";
      socket.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("latin1");
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        seen.push({ host: /^host: *(.*)$/im.exec(buffered.slice(0, end))?.[1], servername: socket.servername });
        buffered = buffered.slice(end + 4);
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK");
      });
    },
  );
  srv.on("tlsClientError", () => {});
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  servers.push(srv);
  return { port: (srv.address() as { port: number }).port, seen };
}

async function ping(host: string, tlsOptions: TlsOptions) {
  const docker = createDockerApi<any>({ host, tls: tlsOptions, preferredVersion: "1.41", apiVersion: "1.41" });
  try {
    const plain = await docker.api.GET("/_ping", { parseAs: "text" }).then(
      (r) => r.data as string,
      (e: unknown) => e,
    );
    const hijacked = await hijack(docker, { path: "/_ping", method: "GET" }).then(
      (c) => {
        c.close();
        return "OK";
      },
      (e: unknown) => e,
    );
    return { plain, hijacked };
  } finally {
    await docker.close();
  }
}

describe("TLS on the Node transport", () => {
  it("regression: a plain request to an IP address verifies the IP against the certificate (it checked the placeholder host 'docker')", async () => {
    const { port, seen } = await server({ cert: "server-cert.pem", key: "server-key.pem" });
    expect(await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem") })).toEqual({ plain: "OK", hijacked: "OK" });
    // The Host header names the endpoint on both paths; no SNI for an IP address (RFC 6066 §3).
    expect(seen.map((s) => s.host)).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    expect(seen.every((s) => !s.servername)).toBe(true);
  });

  it("a DNS name is sent as SNI and verified", async () => {
    const { port, seen } = await server({ cert: "server-cert.pem", key: "server-key.pem" });
    expect(await ping(`tcp://localhost:${port}`, { ca: pem("ca.pem") })).toEqual({ plain: "OK", hijacked: "OK" });
    expect(seen.map((s) => s.servername)).toEqual(["localhost", "localhost"]);
  });

  it("refuses a certificate for another host name, on both paths, unless verify: false", async () => {
    const { port } = await server({ cert: "wrong-host-cert.pem", key: "wrong-host-key.pem" });
    const { plain, hijacked } = await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem") });
    for (const error of [plain, hijacked]) {
      expect(error).toBeInstanceOf(DockerTlsError);
      expect(error).toMatchObject({ code: "ERR_TLS", failure: "hostname-mismatch" });
    }
    expect(await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem"), verify: false })).toEqual({ plain: "OK", hijacked: "OK" });
    // servername names what to verify against.
    expect(await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem"), servername: "wrong-host.invalid" })).toEqual({
      plain: "OK",
      hijacked: "OK",
    });
  });

  it("refuses a certificate not signed by the given CA, and the system CAs are not used when a CA is given", async () => {
    const { port } = await server({ cert: "server-cert.pem", key: "server-key.pem" });
    const { plain, hijacked } = await ping(`tcp://127.0.0.1:${port}`, { ca: pem("other-ca.pem") });
    for (const error of [plain, hijacked]) expect(error).toMatchObject({ name: "DockerTlsError", failure: "untrusted-certificate" });
    // No CA at all: the system store, which does not know the test CA.
    const none = await ping(`tcp://127.0.0.1:${port}`, {});
    expect(none.plain).toMatchObject({ failure: "untrusted-certificate" });
  });

  it("a daemon that requires a client certificate: refused without one (clear message), accepted with one", async () => {
    const { port } = await server({ cert: "server-cert.pem", key: "server-key.pem", requireClientCert: true });
    const { plain, hijacked } = await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem") });
    for (const error of [plain, hijacked]) {
      expect(error).toBeInstanceOf(DockerTlsError);
      expect((error as DockerTlsError).failure).toBe("client-certificate-refused");
      expect((error as Error).message).toMatch(/TLS handshake .* was refused: the daemon requires a client certificate/);
    }
    // A certificate from an unrelated CA: OpenSSL (this server) resets the connection before
    // its alert is read, so this one is only a DockerConnectionError; dockerd (Go) sends the
    // alert, see test/integration/tls.test.ts.
    const unrelated = await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem"), cert: pem("other-cert.pem"), key: pem("other-key.pem") });
    expect(unrelated.plain).toMatchObject({ name: expect.stringMatching(/^Docker(Tls|Connection)Error$/) });
    expect(await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem"), cert: pem("cert.pem"), key: pem("key.pem") })).toEqual({
      plain: "OK",
      hijacked: "OK",
    });
  });

  it("unusable TLS material is an InvalidEndpointError when the client is made, without quoting it", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nnot-a-key-but-secret\n-----END PRIVATE KEY-----\n";
    let error: unknown;
    try {
      createDockerApi<any>({ host: "tcp://127.0.0.1:1", tls: { ca: pem("ca.pem"), cert: pem("cert.pem"), key }, preferredVersion: "1.41" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEndpointError);
    expect((error as Error).message).toMatch(/TLS material cannot be used/);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain("not-a-key-but-secret");
  });

  it("the private key stays out of util.inspect and JSON of a client (debug output)", async () => {
    const docker = createDockerApi<any>({
      host: "tcp://127.0.0.1:1",
      tls: { ca: pem("ca.pem"), cert: pem("cert.pem"), key: pem("key.pem") },
      preferredVersion: "1.41",
    });
    const body = pem("key.pem").split("\n")[1]!;
    expect(inspect(docker, { depth: 20, showHidden: false })).not.toContain(body);
    expect(JSON.stringify(docker.endpoint)).not.toContain(body);
    expect(JSON.stringify(docker.endpoint)).toContain("[redacted]");
    // The transport still has it, and a spread copy of the options too.
    expect({ ...(docker.endpoint as { tls: TlsOptions }).tls }.key).toBe(pem("key.pem"));
    await docker.close();
  });

  it("no TLS error shows the private key, not even through util.inspect", async () => {
    const { port } = await server({ cert: "server-cert.pem", key: "server-key.pem", requireClientCert: true });
    const key = pem("other-key.pem");
    const { plain, hijacked } = await ping(`tcp://127.0.0.1:${port}`, { ca: pem("ca.pem"), cert: pem("other-cert.pem"), key });
    const body = key.split("\n")[1]!;
    for (const error of [plain, hijacked]) {
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(body);
      expect(JSON.stringify(error)).not.toContain(body);
    }
  });
});
