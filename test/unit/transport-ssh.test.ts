import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerClient, DockerSshError, InvalidOptionError, parseDockerHost, type SshEndpoint } from "../../src/index.js";
import { classifySshFailure, liveSshProcessCount } from "../../src/transport/ssh-process.js";
import { sshArguments } from "../../src/transport/ssh.js";

const ssh = (text: string) => parseDockerHost(text) as SshEndpoint;

describe("ssh command line", () => {
  it("is the docker CLI's: -T, user, port, --, host, docker system dial-stdio; BatchMode and ConnectTimeout first", () => {
    expect(sshArguments(ssh("ssh://host"), {}, 30_000)).toEqual([
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=30",
      "-T",
      "--",
      "host",
      "docker",
      "system",
      "dial-stdio",
    ]);
    expect(
      sshArguments(
        ssh("ssh://me@h:2200/run/user/1000/docker.sock"),
        { configFile: "/c", identityFile: "/k", options: ["ProxyJump=bastion"] },
        1_500,
      ),
    ).toEqual([
      "-F",
      "/c",
      "-i",
      "/k",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=2",
      "-o",
      "ProxyJump=bastion",
      "-T",
      "-l",
      "me",
      "-p",
      "2200",
      "--",
      "h",
      "docker",
      "--host=unix:///run/user/1000/docker.sock",
      "system",
      "dial-stdio",
    ]);
  });

  it("refuses options ssh would misread, as InvalidOptionError", () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ options: ["-oProxyCommand=x"] }, "ssh.options"],
      [{ options: ["Name=a\nb"] }, "ssh.options"],
      [{ identityFile: "" }, "ssh.identityFile"],
      [{ binary: "ssh\0" }, "ssh.binary"],
      [{ maxProcesses: 1 }, "ssh.maxProcesses"],
      [{ idleTimeoutMs: -1 }, "ssh.idleTimeoutMs"],
    ];
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        new DockerClient({ host: "ssh://h", ssh: options });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(name);
    }
  });
});

describe("classifySshFailure", () => {
  it.each([
    ["Host key verification failed.", 255, "host-key"],
    ["@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@", 255, "host-key"],
    ["No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.", 255, "host-key"],
    ["me@h: Permission denied (publickey).", 255, "auth"],
    ["ssh: connect to host 127.0.0.1 port 1: Connection refused", 255, "unreachable"],
    ["ssh: Could not resolve hostname nope: Name or service not known", 255, "unreachable"],
    ["ssh: connect to host 10.255.255.1 port 22: Connection timed out", 255, "unreachable"],
    ["/bin/sh: 1: docker: not found", 127, "no-docker"],
    ["bash: line 1: docker: command not found", 127, "no-docker"],
    ["", 255, "exited"],
  ] as const)("%j (status %d) is %s", (stderr, code, kind) => {
    expect(classifySshFailure(stderr, code)).toBe(kind);
  });
});

// A stand-in ssh binary (a shell script) for the parts that need no sshd: answers, exit
// statuses and stderr become what the transport reports.
describe("ssh transport over a stand-in ssh binary", () => {
  let dir: string;
  const script = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-fake-ssh-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("carries keep-alive requests over one process's stdio", async () => {
    // Answers every request head it reads with a 2-byte body, on the same process.
    const fake = script(
      "ok-ssh",
      `while IFS= read -r line; do case "$line" in "$(printf '\\r')") printf 'HTTP/1.1 200 OK\\r\\nApi-Version: 1.41\\r\\nContent-Length: 2\\r\\n\\r\\nOK' ;; esac; done`,
    );
    const docker = new DockerClient({ host: "ssh://example.invalid", apiVersion: "1.41", ssh: { binary: fake } });
    expect(await docker.ping()).toBe("OK");
    expect(await docker.ping()).toBe("OK");
    expect(liveSshProcessCount()).toBe(1);
    await docker.close();
    for (let i = 0; i < 100 && liveSshProcessCount() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(liveSshProcessCount()).toBe(0);
  });

  it("an exit before any answer is a DockerSshError with the bounded stderr and the status", async () => {
    const fake = script("denied-ssh", `printf 'me@h: Permission denied (publickey).\\n' >&2; exit 255`);
    const docker = new DockerClient({ host: "ssh://me@h", apiVersion: "1.41", ssh: { binary: fake } });
    const error = (await docker.ping().catch((e: unknown) => e)) as DockerSshError;
    expect(error).toBeInstanceOf(DockerSshError);
    expect(error).toMatchObject({ kind: "auth", exitCode: 255, code: "ERR_SSH", endpoint: "ssh://me@h" });
    expect(error.stderr).toBe("me@h: Permission denied (publickey).");
    expect(error.message).toContain("Permission denied");
    await docker.close();
  });

  it("keeps only the end of a huge stderr", async () => {
    const fake = script(
      "noisy-ssh",
      `i=0; while [ $i -lt 2000 ]; do echo "noise line $i" >&2; i=$((i+1)); done; echo "Connection refused" >&2; exit 255`,
    );
    const docker = new DockerClient({ host: "ssh://h", apiVersion: "1.41", ssh: { binary: fake } });
    const error = (await docker.ping().catch((e: unknown) => e)) as DockerSshError;
    expect(error.kind).toBe("unreachable");
    expect(error.stderr.length).toBeLessThanOrEqual(4096);
    expect(error.stderr.endsWith("Connection refused")).toBe(true);
    await docker.close();
  });
});
