import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidEndpointError, isDockerError } from "../../src/index.js";
import { DockerConfigError, DockerContextNotFoundError } from "../../src/config/errors.js";
import { contextId } from "../../src/config/contexts.js";
import { fromEnv } from "../../src/config/from-env.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

/** A throwaway docker config directory with optional config.json and contexts. */
function configDir(setup: { config?: unknown; contexts?: Record<string, { meta: unknown; tls?: Record<string, string> }> }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-config-"));
  roots.push(dir);
  if (setup.config !== undefined) {
    fs.writeFileSync(path.join(dir, "config.json"), typeof setup.config === "string" ? setup.config : JSON.stringify(setup.config));
  }
  for (const [name, { meta, tls }] of Object.entries(setup.contexts ?? {})) {
    const id = createHash("sha256").update(name).digest("hex");
    fs.mkdirSync(path.join(dir, "contexts", "meta", id), { recursive: true });
    fs.writeFileSync(path.join(dir, "contexts", "meta", id, "meta.json"), JSON.stringify(meta));
    if (tls) {
      fs.mkdirSync(path.join(dir, "contexts", "tls", id, "docker"), { recursive: true });
      for (const [file, content] of Object.entries(tls)) fs.writeFileSync(path.join(dir, "contexts", "tls", id, "docker", file), content);
    }
  }
  return dir;
}

const remoteMeta = (host: string, skip = false) => ({
  Name: "remote",
  Metadata: { Description: "a remote engine" },
  Endpoints: { docker: { Host: host, SkipTLSVerify: skip } },
});

describe("fromEnv: which source wins (docker/cli resolveContextName order)", () => {
  const dir = configDir({
    config: { currentContext: "from-config" },
    contexts: {
      "from-config": { meta: remoteMeta("tcp://config.example:2375") },
      "from-env": { meta: remoteMeta("tcp://env.example:2375") },
    },
  });

  it("DOCKER_HOST beats DOCKER_CONTEXT and currentContext", () => {
    const resolved = fromEnv({ DOCKER_HOST: "tcp://host.example:2375", DOCKER_CONTEXT: "from-env", DOCKER_CONFIG: dir });
    expect(resolved).toEqual({ options: { host: "tcp://host.example:2375" }, source: "DOCKER_HOST", context: "default", configDir: dir });
  });

  it("DOCKER_CONTEXT beats config.json currentContext", () => {
    const resolved = fromEnv({ DOCKER_CONTEXT: "from-env", DOCKER_CONFIG: dir });
    expect(resolved.source).toBe("DOCKER_CONTEXT");
    expect(resolved.context).toBe("from-env");
    expect(resolved.options).toEqual({ host: "tcp://env.example:2375" });
  });

  it("config.json currentContext is used when neither variable is set", () => {
    const resolved = fromEnv({ DOCKER_CONFIG: dir });
    expect(resolved).toMatchObject({
      source: "config.json currentContext",
      context: "from-config",
      options: { host: "tcp://config.example:2375" },
    });
  });

  it("nothing set: the default context, i.e. the default socket", () => {
    const empty = configDir({});
    // Without socket discovery (config-discovery.test.ts), which depends on the machine's sockets.
    expect(fromEnv({ DOCKER_CONFIG: empty }, { discovery: false })).toEqual({
      options: { host: "unix:///var/run/docker.sock" },
      source: "default",
      context: "default",
      configDir: empty,
    });
  });

  it("an empty DOCKER_HOST or DOCKER_CONTEXT counts as unset", () => {
    expect(fromEnv({ DOCKER_HOST: "", DOCKER_CONTEXT: "", DOCKER_CONFIG: dir }).source).toBe("config.json currentContext");
  });

  it("the context named default is the environment and defaults, never a store lookup", () => {
    const resolved = fromEnv({ DOCKER_CONTEXT: "default", DOCKER_CONFIG: dir, DOCKER_API_VERSION: "1.41" }, { discovery: false });
    expect(resolved).toEqual({
      options: { host: "unix:///var/run/docker.sock", apiVersion: "1.41" },
      source: "DOCKER_CONTEXT",
      context: "default",
      configDir: dir,
    });
    const viaConfig = fromEnv({ DOCKER_CONFIG: configDir({ config: { currentContext: "default" } }) });
    expect(viaConfig).toMatchObject({ source: "config.json currentContext", context: "default" });
  });

  it("options.configDir beats DOCKER_CONFIG, which beats $HOME/.docker", () => {
    expect(fromEnv({ DOCKER_CONFIG: "/nowhere" }, { configDir: dir }).context).toBe("from-config");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "berth-home-"));
    roots.push(home);
    fs.mkdirSync(path.join(home, ".docker"));
    fs.writeFileSync(path.join(home, ".docker", "config.json"), JSON.stringify({ currentContext: "default" }));
    expect(fromEnv({ HOME: home })).toMatchObject({ source: "config.json currentContext", configDir: path.join(home, ".docker") });
  });
});

describe("fromEnv: context endpoints and TLS material", () => {
  it("stores contexts under the hex SHA-256 of their name", () => {
    expect(contextId("default")).toBe("37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f");
  });

  it("loads ca/cert/key from contexts/tls/<id>/docker and verifies unless SkipTLSVerify", () => {
    const dir = configDir({
      contexts: {
        secure: { meta: remoteMeta("tcp://secure.example:2376"), tls: { "ca.pem": "CA", "cert.pem": "CERT", "key.pem": "KEY" } },
        skip: { meta: remoteMeta("tcp://skip.example:2376", true) },
        plain: { meta: remoteMeta("tcp://plain.example:2375") },
      },
    });
    expect(fromEnv({ DOCKER_CONTEXT: "secure", DOCKER_CONFIG: dir }).options).toEqual({
      host: "tcp://secure.example:2376",
      tls: { verify: true, ca: "CA", cert: "CERT", key: "KEY" },
    });
    expect(fromEnv({ DOCKER_CONTEXT: "skip", DOCKER_CONFIG: dir }).options).toEqual({
      host: "tcp://skip.example:2376",
      tls: { verify: false },
    });
    expect(fromEnv({ DOCKER_CONTEXT: "plain", DOCKER_CONFIG: dir }).options).toEqual({ host: "tcp://plain.example:2375" });
  });

  it("ignores the TLS variables for a named context (they belong to the default context) but honours DOCKER_API_VERSION", () => {
    const dir = configDir({ contexts: { plain: { meta: remoteMeta("tcp://plain.example:2375") } } });
    const resolved = fromEnv({
      DOCKER_CONTEXT: "plain",
      DOCKER_CONFIG: dir,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: "/nowhere",
      DOCKER_API_VERSION: "1.24",
    });
    expect(resolved.options).toEqual({ host: "tcp://plain.example:2375", apiVersion: "1.24" });
  });

  it("no TLS for a unix socket context even when TLS files exist; an empty Host leaves the default endpoint", () => {
    const dir = configDir({
      contexts: {
        sock: { meta: remoteMeta("unix:///run/user/1000/docker.sock"), tls: { "ca.pem": "CA" } },
        empty: { meta: { Name: "empty", Endpoints: { docker: { Host: "" } } } },
      },
    });
    expect(fromEnv({ DOCKER_CONTEXT: "sock", DOCKER_CONFIG: dir }).options).toEqual({ host: "unix:///run/user/1000/docker.sock" });
    expect(fromEnv({ DOCKER_CONTEXT: "empty", DOCKER_CONFIG: dir }).options).toEqual({});
  });

  it("reads meta.json field names ignoring case, as Go's encoding/json does", () => {
    const dir = configDir({
      contexts: { lower: { meta: { name: "lower", endpoints: { docker: { host: "tcp://lower.example:2375", skipTLSVerify: true } } } } },
    });
    expect(fromEnv({ DOCKER_CONTEXT: "lower", DOCKER_CONFIG: dir }).options).toEqual({
      host: "tcp://lower.example:2375",
      tls: { verify: false },
    });
  });
});

describe("fromEnv: typed failures", () => {
  it("a missing context is a DockerContextNotFoundError (an InvalidEndpointError) naming it and its source", () => {
    const dir = configDir({ config: { currentContext: "gone" } });
    let error: unknown;
    try {
      fromEnv({ DOCKER_CONFIG: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerContextNotFoundError);
    expect(error).toBeInstanceOf(InvalidEndpointError);
    expect(isDockerError(error)).toBe(true);
    const e = error as DockerContextNotFoundError;
    expect(e.context).toBe("gone");
    expect(e.source).toBe("config.json currentContext");
    expect(e.code).toBe("ERR_CONTEXT_NOT_FOUND");
    expect(e).toBeInstanceOf(InvalidEndpointError);
    expect(e.message).toContain('"gone"');
    expect(() => fromEnv({ DOCKER_CONTEXT: "also-gone", DOCKER_CONFIG: dir })).toThrow(/also-gone.*DOCKER_CONTEXT/);
  });

  it("a context without a docker endpoint, or malformed meta.json, is a DockerConfigError", () => {
    const dir = configDir({ contexts: { k8s: { meta: { Name: "k8s", Endpoints: { kubernetes: {} } } } } });
    expect(() => fromEnv({ DOCKER_CONTEXT: "k8s", DOCKER_CONFIG: dir })).toThrow(DockerConfigError);
  });

  it("a malformed config.json is a DockerConfigError that does not quote the file; DOCKER_HOST never reads it", () => {
    const dir = configDir({ config: '{"auths": {"r": {"auth": "c2VjcmV0LXZhbHVl"}}, oops' });
    let error: unknown;
    try {
      fromEnv({ DOCKER_CONFIG: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerConfigError);
    expect(String((error as Error).message)).not.toContain("c2VjcmV0");
    expect(fromEnv({ DOCKER_CONFIG: dir, DOCKER_HOST: "tcp://h:2375" }).source).toBe("DOCKER_HOST");
  });
});
