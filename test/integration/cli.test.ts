/**
 * The `berth` CLI end to end against the throwaway daemon and its registries: each command's
 * output and exit code as a person sees them (stdout and stdin are pipes here, so progress
 * comes in its plain-text form; cli-tty.test.ts covers the terminal).
 */
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAuthRegistry, testImage, testRegistry, testRegistryCredentials, uniqueName } from "../helpers/daemon.js";
import { berth, collect, startBerth, waitForOutput } from "./cli.helpers.js";

const containers: string[] = [];
const images: string[] = [];
let work: string;

/** A container name that is removed after the suite. */
function containerName(prefix: string): string {
  const name = uniqueName(`cli-${prefix}`);
  containers.push(name);
  return name;
}

/** A repository path in a registry, unique to this run. */
function repository(registry: string, name: string): string {
  const ref = `${registry}/${uniqueName(`cli-${name}`).replace(/^berth-test-/, "berth-test/")}`;
  images.push(ref);
  return ref;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "berth-cli-test-"));
});

afterAll(async () => {
  // Containers removed by --rm are already gone: rm reports those and goes on with the rest.
  if (containers.length > 0) await berth(["rm", "-f", ...containers]);
  for (const image of images) {
    for (const tag of ["v1", "v2", "latest"]) await berth(["rmi", "-f", `${image}:${tag}`]);
  }
  await rm(work, { recursive: true, force: true });
});

describe("berth version, info, ps, images", () => {
  it("version shows berth, the negotiated API version and the daemon", async () => {
    const result = await berth(["version"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Client: berth\n Version: +0\.1\.0\n Runtime: +node v\d+/);
    expect(result.stdout).toMatch(/ API version: +1\.12 \(client types: 1\.10\)/);
    expect(result.stdout).toMatch(/ Endpoint: +unix:\/\/.*docker\.sock \(from DOCKER_HOST\)/);
    expect(result.stdout).toMatch(/\nServer:\n Version: +20\.10\./);
    expect(result.stdout).toMatch(/ API version: +1\.41 \(minimum version 1\.12\)/);
  });

  it("version --json and -H (the flag beats DOCKER_HOST)", async () => {
    const host = (await berth(["version", "--json"])).stdout;
    const parsed = JSON.parse(host) as { client: { endpoint: string; source: string }; server: { ApiVersion: string } };
    expect(parsed.server.ApiVersion).toBe("1.41");
    const viaFlag = await berth(["-H", parsed.client.endpoint, "version", "--json"], { env: { DOCKER_HOST: "unix:///nonexistent.sock" } });
    expect(viaFlag.code).toBe(0);
    expect((JSON.parse(viaFlag.stdout) as { client: { source: string } }).client.source).toBe("-H");
  });

  it("info lists the daemon's facts", async () => {
    const result = await berth(["info"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Server:\n Containers: \d+\n  Running: \d+/);
    expect(result.stdout).toContain(" Storage Driver: vfs\n");
    // the daemon was started with the test registry as an insecure registry (scripts/daemon.sh)
    const registry = process.env["BERTH_TEST_REGISTRY"] ?? "127.0.0.1:5055";
    expect(result.stdout).toMatch(new RegExp(` Insecure Registries: .*${registry.replaceAll(".", "\\.")}`));
  });

  it("images lists the test image as REPOSITORY and TAG", async () => {
    const result = await berth(["images"]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    const [repo, tag] = testImage().split(":");
    expect(rows.some((row) => new RegExp(`^${repo} +${tag} +[0-9a-f]{12} +.+ago +[\\d.]+[kMG]?B$`).test(row))).toBe(true);
    const quiet = await berth(["images", "-q"]);
    expect(quiet.stdout).toMatch(/^([0-9a-f]{12}\n)+$/);
  });

  it("ps -a shows an exited container with its name, command and status; ps alone does not", async () => {
    const name = containerName("ps");
    const created = await berth(["run", "--name", name, testImage(), "sh", "-c", "exit 7"]);
    expect(created.code).toBe(7);
    const all = await berth(["ps", "-a"]);
    const row = all.stdout.split("\n").find((line) => line.endsWith(name));
    expect(row).toMatch(new RegExp(`^[0-9a-f]{12} +${testImage()} +"sh -c 'exit 7'" +.+ago +Exited \\(7\\) .+ago +${name}$`));
    expect(all.stdout.split("\n")[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect((await berth(["ps"])).stdout).not.toContain(name);
  });
});

describe("berth run", () => {
  it("prints the container's stdout and stderr separately and exits with its code", async () => {
    const result = await berth(["run", "--rm", "--network", "none", testImage(), "sh", "-c", "echo to-out; echo to-err >&2; exit 3"]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("to-out\n");
    expect(result.stderr).toBe("to-err\n");
  });

  it("--rm removes the container, without --rm it stays", async () => {
    const removed = containerName("rm");
    expect((await berth(["run", "--rm", "--name", removed, testImage(), "true"])).code).toBe(0);
    expect((await berth(["ps", "-a"])).stdout).not.toContain(removed);
    const kept = containerName("kept");
    expect((await berth(["run", "--name", kept, "--stop-timeout", "1", testImage(), "true"])).code).toBe(0);
    expect((await berth(["ps", "-a"])).stdout).toContain(kept);
  });

  it("-i copies stdin to the container and its end reaches the container as EOF (half-close)", async () => {
    const input = "first line\nsecond line\n";
    const result = await berth(["run", "-i", "--rm", testImage(), "sh", "-c", "wc -l; echo after-eof"], { input });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("2\nafter-eof\n");
  });

  it("-i passes binary input through unchanged", async () => {
    const input = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const result = await berth(["run", "-i", "--rm", testImage(), "md5sum"], { input });
    const { createHash } = await import("node:crypto");
    expect(result.stdout.split(" ")[0]).toBe(createHash("md5").update(input).digest("hex"));
  });

  it("passes options to berth before IMAGE and everything after it to the container; -e sets variables", async () => {
    const result = await berth([
      "run",
      "--rm",
      "-e",
      "GREETING=hi there",
      "-w",
      "/tmp",
      testImage(),
      "sh",
      "-c",
      'echo "$GREETING in $(pwd)" -la',
    ]);
    expect(result.stdout).toBe("hi there in /tmp -la\n");
  });

  it("-d starts the container in the background and prints its id; logs and logs -f read it", async () => {
    const name = containerName("logs");
    const started = await berth([
      "run",
      "-d",
      "--name",
      name,
      "--stop-timeout",
      "1",
      testImage(),
      "sh",
      "-c",
      "echo one; echo two >&2; sleep 1; echo three",
    ]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const followed = await berth(["logs", "-f", name]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe("one\nthree\n");
    expect(followed.stderr).toBe("two\n");
    const tail = await berth(["logs", "--tail", "1", name]);
    expect(tail.stdout + tail.stderr).toBe("three\n");
    const stamped = await berth(["logs", "-t", name]);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one\n/);
  });

  it("fails with the daemon's message and exit 1 for an unknown container or a bad command", async () => {
    const logs = await berth(["logs", "berth-test-no-such-container"]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toBe("berth: No such container: berth-test-no-such-container\n");
    const bad = await berth(["run", "--rm", testImage(), "/no/such/binary"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^berth: Docker API error \d{3}: .*no such file or directory/);
  });

  it("rm removes every container it can and reports the others (exit 1)", async () => {
    const name = containerName("rm-many");
    await berth(["run", "--name", name, testImage(), "true"]);
    const result = await berth(["rm", "berth-test-no-such-container", name]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("berth: No such container: berth-test-no-such-container\n");
    expect(result.stdout).toBe(`${name}\n`);
    expect((await berth(["ps", "-a"])).stdout).not.toContain(name);
  });

  it("usage mistakes exit 2 with the command's usage", async () => {
    const result = await berth(["run", "--bogus", testImage()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^berth: Unknown option '--bogus'\n\nUsage: berth run /);
    const unknown = await berth(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const help = await berth(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: berth run \[OPTIONS\] IMAGE/);
  });
});

describe("berth events", () => {
  it("prints matching events, replayed with --since and bounded with --until", async () => {
    const name = containerName("events");
    const since = Math.floor(Date.now() / 1000) - 1;
    expect((await berth(["run", "--name", name, testImage(), "true"])).code).toBe(0);
    const until = Math.floor(Date.now() / 1000) + 1;
    const result = await berth(["events", "--since", String(since), "--until", String(until), "--filter", `container=${name}`]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    const actions = lines.map((line) => line.split(" ")[2]);
    expect(actions).toEqual(expect.arrayContaining(["create", "attach", "start", "die"]));
    for (const line of lines) {
      expect(line).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container \\w+ [0-9a-f]{64} \\(.*name=${name}.*\\)$`),
      );
    }
    const onlyDie = await berth([
      "events",
      "--since",
      String(since),
      "--until",
      String(until),
      "-f",
      `container=${name}`,
      "-f",
      "event=die",
    ]);
    expect(onlyDie.stdout).toMatch(/^\S+ container die [0-9a-f]{64} \(exitCode=0, image=.*\)\n$/);
  });

  it("follows live events until interrupted (exit 130)", async () => {
    const name = containerName("live");
    const since = Math.floor(Date.now() / 1000);
    const child = startBerth(["events", "--since", String(since), "--filter", `container=${name}`, "--filter", "event=start"]);
    const done = collect(child);
    const seen = waitForOutput(child, " container start ");
    expect((await berth(["run", "--name", name, testImage(), "true"])).code).toBe(0);
    expect(await seen).toContain(`name=${name}`);
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe("");
  });

  it("refuses unknown filter keys", async () => {
    const result = await berth(["events", "--filter", "colour=red"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown filter "colour"');
  });
});

describe("berth pull, push, build through the local registry", () => {
  it("push and pull print one line per layer state change and the result", async () => {
    // An image of its own (a unique layer on the test image), so that the pull has a layer to fetch.
    const context = join(work, "pushpull");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "Dockerfile"), `FROM ${testImage()}\nRUN echo ${uniqueName("layer")} > /unique\n`);
    const image = repository(testRegistry(), "pushpull");
    expect((await berth(["build", "-q", "-t", `${image}:v1`, context])).code).toBe(0);

    const pushed = await berth(["push", `${image}:v1`]);
    expect(pushed.code).toBe(0);
    const pushLines = pushed.stdout.trimEnd().split("\n");
    expect(pushLines[0]).toBe(`The push refers to repository [${image}]`);
    expect(pushLines.at(-1)).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    const pushedLayers = pushLines.flatMap((line) => /^([0-9a-f]{12}): Preparing$/.exec(line)?.[1] ?? []);
    expect(pushedLayers).toHaveLength(2);
    for (const layer of pushedLayers) {
      const states = pushLines.filter((line) => line.startsWith(`${layer}: `));
      // One line per state, never one per byte count.
      expect(new Set(states).size).toBe(states.length);
      expect(states.at(-1)).toMatch(/: (Pushed|Layer already exists|Mounted from .*)$/);
    }

    expect((await berth(["rmi", `${image}:v1`])).stdout).toContain(`Untagged: ${image}:v1`);
    const pulled = await berth(["pull", `${image}:v1`]);
    expect(pulled.code).toBe(0);
    const pullLines = pulled.stdout.trimEnd().split("\n");
    expect(pullLines[0]).toBe(`v1: Pulling from ${image.slice(testRegistry().length + 1)}`);
    expect(pullLines.filter((line) => line.endsWith(": Already exists"))).toHaveLength(1);
    const fetched = pullLines.find((line) => line.endsWith(": Pulling fs layer"))!.slice(0, 12);
    const states = pullLines.filter((line) => line.startsWith(`${fetched}: `)).map((line) => line.slice(14));
    expect(states[0]).toBe("Pulling fs layer");
    expect(states.at(-1)).toBe("Pull complete");
    expect(states).toContain("Extracting");
    for (let i = 1; i < states.length; i++) expect(states[i]).not.toBe(states[i - 1]);
    expect(pullLines.at(-3)).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
    expect(pullLines.at(-2)).toBe(`Status: Downloaded newer image for ${image}:v1`);
    expect(pullLines.at(-1)).toBe(`${image}:v1`);
    expect(pulled.stdout).not.toContain("\x1b[");
  });

  it("build streams the build output, tags the image, honours .dockerignore and -f", async () => {
    const context = join(work, "build");
    await mkdir(join(context, "ignored"), { recursive: true });
    await writeFile(join(context, "kept.txt"), "kept\n");
    await writeFile(join(context, "ignored", "secret.txt"), "secret\n");
    await writeFile(join(context, ".dockerignore"), "ignored\n");
    await writeFile(
      join(context, "Dockerfile"),
      `FROM ${testImage()}\nCOPY . /ctx/\nCMD ["sh", "-c", "ls -A /ctx | sort | tr '\\\\n' ' '"]\n`,
    );
    await writeFile(join(context, "Other.dockerfile"), `FROM ${testImage()}\nCMD ["echo", "from the other dockerfile"]\n`);
    const image = repository(testRegistry(), "build");

    const built = await berth(["build", "-t", `${image}:v1`, context]);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^Step 1\/3 : FROM /);
    expect(built.stdout).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged .*:v1\n$/);
    const listed = await berth(["run", "--rm", `${image}:v1`]);
    expect(listed.stdout).toBe(".dockerignore Dockerfile Other.dockerfile kept.txt ");

    const other = await berth(["build", "-q", "-f", "Other.dockerfile", "-t", `${image}:v2`, context]);
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await berth(["run", "--rm", `${image}:v2`])).stdout).toBe("from the other dockerfile\n");

    const failing = join(work, "failing");
    await mkdir(failing);
    const marker = uniqueName("failing-step");
    await writeFile(join(failing, "Dockerfile"), `FROM ${testImage()}\nRUN echo ${marker} && exit 9\n`);
    const failed = await berth(["build", "--force-rm", failing]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`berth: The command '/bin/sh -c echo ${marker} && exit 9' returned a non-zero code: 9\n`);
    // --force-rm: the failed step's container is gone too.
    expect((await berth(["ps", "-a", "--no-trunc"])).stdout).not.toContain(marker);
  });

  it("run pulls a missing image first, progress on stderr", async () => {
    const image = repository(testRegistry(), "runpull");
    await berth(["tag", testImage(), `${image}:v1`]);
    expect((await berth(["push", `${image}:v1`])).code).toBe(0);
    await berth(["rmi", `${image}:v1`]);
    const result = await berth(["run", "--rm", `${image}:v1`, "echo", "ran"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("ran\n");
    expect(result.stderr).toMatch(new RegExp(`^Unable to find image '${image}:v1' locally\nv1: Pulling from `));
  });

  it("push and pull use the credentials of the docker configuration (auth registry)", async () => {
    const { username, password } = testRegistryCredentials();
    const config = join(work, "docker-config");
    await mkdir(config, { recursive: true });
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    await writeFile(join(config, "config.json"), JSON.stringify({ auths: { [testAuthRegistry()]: { auth } } }));
    const image = repository(testAuthRegistry(), "auth");
    await berth(["tag", testImage(), `${image}:v1`]);

    const refused = await berth(["push", `${image}:v1`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: .*(no basic auth credentials|unauthorized)/);

    const pushed = await berth(["push", `${image}:v1`], { env: { DOCKER_CONFIG: config } });
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/v1: digest: sha256:[0-9a-f]{64}/);
    await berth(["rmi", `${image}:v1`]);
    const pulled = await berth(["pull", `${image}:v1`], { env: { DOCKER_CONFIG: config } });
    expect(pulled.code).toBe(0);
    expect(pulled.stdout.trimEnd().split("\n").at(-1)).toBe(`${image}:v1`);
  });
});

describe("berth export and cp", () => {
  let container: string;
  beforeAll(async () => {
    container = containerName("files");
    const made = await berth([
      "run",
      "--name",
      container,
      testImage(),
      "sh",
      "-c",
      "mkdir -p /data/sub && echo hello > /data/a.txt && echo deep > /data/sub/b.txt && chmod 750 /data/sub && ln -s /etc/passwd /data/abs-link",
    ]);
    expect(made.code).toBe(0);
  });

  it("export -o writes the filesystem as a tar file; to a pipe it streams on stdout", async () => {
    const file = join(work, "export.tar");
    const result = await berth(["export", container, "-o", file]);
    expect(result.code).toBe(0);
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    expect(bytes.subarray(257, 262).toString()).toBe("ustar");
    const piped = await berth(["export", container]);
    expect(piped.stdoutBytes.length).toBe(bytes.length);
  });

  it("cp into an existing directory keeps the name, modes and links (absolute symlinks too)", async () => {
    const destination = join(work, "cp-into");
    await mkdir(destination);
    const result = await berth(["cp", `${container}:/data`, destination]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(await readFile(join(destination, "data", "a.txt"), "utf8")).toBe("hello\n");
    expect(await readFile(join(destination, "data", "sub", "b.txt"), "utf8")).toBe("deep\n");
    expect((await stat(join(destination, "data", "sub"))).mode & 0o777).toBe(0o750);
    expect(await readlink(join(destination, "data", "abs-link"))).toBe("/etc/passwd");
  });

  it("cp to a new name renames the copy; - writes the tar archive to stdout", async () => {
    const renamed = join(work, "renamed-data");
    expect((await berth(["cp", `${container}:/data`, renamed])).code).toBe(0);
    expect((await readdir(renamed)).sort()).toEqual(["a.txt", "abs-link", "sub"]);
    const file = join(work, "copied-a.txt");
    expect((await berth(["cp", `${container}:/data/a.txt`, file])).code).toBe(0);
    expect(await readFile(file, "utf8")).toBe("hello\n");
    const tar = await berth(["cp", `${container}:/data/a.txt`, "-"]);
    expect(tar.stdoutBytes.subarray(0, 5).toString()).toBe("a.txt");
    expect(tar.stdoutBytes.subarray(257, 262).toString()).toBe("ustar");
  });

  it("cp reports a missing path, and a directory onto a file, with exit 1", async () => {
    const missing = await berth(["cp", `${container}:/no/such/path`, work]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^berth: No such path in container .*: \/no\/such\/path\n$/);
    const file = join(work, "a-file");
    await writeFile(file, "x");
    const onto = await berth(["cp", `${container}:/data`, file]);
    expect(onto.code).toBe(1);
    expect(onto.stderr).toBe("berth: cannot copy a directory to a file: the destination exists and is not a directory\n");
  });
});
