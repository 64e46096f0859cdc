/**
 * Socket discovery's order with fake sockets: real unix sockets (listening servers) in a
 * directory of the test's own, standing for the system paths (`root`), HOME and XDG_RUNTIME_DIR.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NoDockerSocketError, discoverDockerSocket, findDockerSocket, fromEnv, socketCandidates } from "../../src/index.js";

let base: string;
let env: Record<string, string>;
const servers: net.Server[] = [];

/** A listening unix socket at `file` (what isSocket() sees). */
async function fakeSocket(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(file, resolve));
}

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "bdisc-"));
  env = { HOME: path.join(base, "h"), XDG_RUNTIME_DIR: path.join(base, "x"), DOCKER_CONFIG: path.join(base, "cfg") };
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(base, { recursive: true, force: true });
});

const options = () => ({ root: path.join(base, "root") });

describe("socket discovery", () => {
  it("lists the candidates in the documented order", () => {
    const names = socketCandidates(env, options()).map((c) => `${c.name}: ${path.relative(base, c.path)}`);
    expect(names).toEqual([
      "Docker: root/var/run/docker.sock",
      "rootless Docker: x/docker.sock",
      "Docker Desktop: h/.docker/run/docker.sock",
      "Docker Desktop (before 4.13): h/.docker/desktop/docker.sock",
      "Colima: h/.colima/default/docker.sock",
      "Colima: h/.config/colima/default/docker.sock",
      "Rancher Desktop: h/.rd/docker.sock",
      "OrbStack: h/.orbstack/run/docker.sock",
      "Podman (rootful): root/run/podman/podman.sock",
      "Podman (rootless): x/podman/podman.sock",
    ]);
  });

  it("without XDG_RUNTIME_DIR, /run/user/<uid> stands in", () => {
    const { XDG_RUNTIME_DIR: _, ...rest } = env;
    const paths = socketCandidates(rest, { ...options(), uid: 1234 }).map((c) => path.relative(base, c.path));
    expect(paths).toContain("root/run/user/1234/docker.sock");
    expect(paths).toContain("root/run/user/1234/podman/podman.sock");
  });

  it("the first socket that exists wins, whatever comes after it", async () => {
    await fakeSocket(path.join(base, "x", "podman", "podman.sock"));
    expect(discoverDockerSocket(env, options()).found?.name).toBe("Podman (rootless)");
    await fakeSocket(path.join(base, "h", ".rd", "docker.sock"));
    expect(discoverDockerSocket(env, options()).found?.name).toBe("Rancher Desktop");
    await fakeSocket(path.join(base, "h", ".docker", "run", "docker.sock"));
    expect(discoverDockerSocket(env, options()).found?.name).toBe("Docker Desktop");
    await fakeSocket(path.join(base, "x", "docker.sock"));
    const found = discoverDockerSocket(env, options());
    expect(found.found).toEqual({ name: "rootless Docker", path: path.join(base, "x", "docker.sock") });
    expect(found.tried.map((c) => c.name)).toEqual(["Docker", "rootless Docker"]);
  });

  it("a regular file where a socket should be does not count", () => {
    fs.mkdirSync(path.join(base, "x"), { recursive: true });
    fs.writeFileSync(path.join(base, "x", "docker.sock"), "not a socket");
    expect(discoverDockerSocket(env, options()).found).toBeUndefined();
  });

  it("nothing found: findDockerSocket throws NoDockerSocketError listing every path tried", () => {
    let error: unknown;
    try {
      findDockerSocket(env, options());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoDockerSocketError);
    expect((error as NoDockerSocketError).code).toBe("ERR_NO_DOCKER_SOCKET");
    expect((error as NoDockerSocketError).tried).toHaveLength(10);
    expect((error as Error).message).toContain(path.join(base, "root", "var", "run", "docker.sock"));
    expect((error as Error).message).toContain("Podman (rootless)");
  });

  it("fromEnv uses a discovered socket only when DOCKER_HOST and contexts give nothing", async () => {
    await fakeSocket(path.join(base, "x", "podman", "podman.sock"));
    const resolved = fromEnv(env, { discovery: options() });
    expect(resolved.source).toBe("socket discovery");
    expect(resolved.options.host).toBe(`unix://${path.join(base, "x", "podman", "podman.sock")}`);
    expect(resolved.discovery?.found?.name).toBe("Podman (rootless)");
    expect(fromEnv({ ...env, DOCKER_HOST: "unix:///elsewhere.sock" }, { discovery: options() })).toMatchObject({
      source: "DOCKER_HOST",
      options: { host: "unix:///elsewhere.sock" },
    });
  });

  it("fromEnv keeps the default socket (and says what it tried) when nothing is found", () => {
    const resolved = fromEnv(env, { discovery: options() });
    expect(resolved.source).toBe("default");
    expect(resolved.options.host).toBe("unix:///var/run/docker.sock");
    expect(resolved.discovery?.tried).toHaveLength(10);
  });
});
