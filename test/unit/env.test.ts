import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidEndpointError, connectionFromEnv } from "../../src/index.js";

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-certs-"));
for (const file of ["ca.pem", "cert.pem", "key.pem"]) fs.writeFileSync(path.join(certDir, file), `--- ${file} ---`);
afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));

describe("connectionFromEnv", () => {
  it("defaults to the local unix socket with no TLS", () => {
    expect(connectionFromEnv({})).toEqual({ host: "unix:///var/run/docker.sock" });
  });

  it("DOCKER_TLS_VERIFY loads the three PEM files and verifies", () => {
    const options = connectionFromEnv({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certDir });
    expect(options).toEqual({
      host: "tcp://h:2376",
      tls: { verify: true, ca: "--- ca.pem ---", cert: "--- cert.pem ---", key: "--- key.pem ---" },
    });
  });

  it("DOCKER_TLS without DOCKER_TLS_VERIFY is TLS without verification; DOCKER_CERT_PATH alone is not TLS", () => {
    expect(connectionFromEnv({ DOCKER_HOST: "tcp://h:2376", DOCKER_TLS: "1", DOCKER_CERT_PATH: certDir }).tls?.verify).toBe(false);
    expect(connectionFromEnv({ DOCKER_HOST: "tcp://h:2375", DOCKER_CERT_PATH: certDir }).tls).toBeUndefined();
  });

  it("DOCKER_API_VERSION pins the version", () => {
    expect(connectionFromEnv({ DOCKER_API_VERSION: "1.24" }).apiVersion).toBe("1.24");
  });

  it("verification without a CA file is a clear error", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "berth-nocerts-"));
    expect(() => connectionFromEnv({ DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: empty })).toThrow(InvalidEndpointError);
    fs.rmSync(empty, { recursive: true });
  });
});
