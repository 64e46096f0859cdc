/**
 * The CLI's text output: tables, sizes, durations, ids, and the ps/images/events/version/info
 * formats, with fixed inputs and a fixed clock.
 */
import { describe, expect, it } from "vitest";
import { formatContainers, formatImages, splitRepoTag } from "../../src/cli/commands/listing.js";
import { formatEvent } from "../../src/cli/commands/logs.js";
import { formatInfo, formatVersion } from "../../src/cli/commands/system.js";
import { cliVersion } from "../../src/cli/context.js";
import { formatAgo, formatBytes, formatDuration, formatTable, shortId, truncate } from "../../src/cli/format.js";
import { BERTH_VERSION, type APIContainers, type APIImages } from "../../src/index.js";

const NOW = Date.UTC(2024, 0, 10, 12, 0, 0);
const secondsAgo = (s: number) => NOW / 1000 - s;

describe("pieces", () => {
  it("formatTable aligns columns with three spaces and no trailing blanks", () => {
    expect(
      formatTable(
        ["A", "LONGER"],
        [
          ["xx", ""],
          ["y", "z"],
        ],
      ),
    ).toBe("A    LONGER\nxx\ny    z\n");
  });

  it("formatBytes uses decimal units and three significant digits", () => {
    expect(formatBytes(0)).toBe("0B");
    expect(formatBytes(999)).toBe("999B");
    expect(formatBytes(1000)).toBe("1kB");
    expect(formatBytes(1_980_000)).toBe("1.98MB");
    expect(formatBytes(25_300_000_000)).toBe("25.3GB");
  });

  it("formatDuration words durations as the docker CLI does", () => {
    expect(formatDuration(0.5)).toBe("Less than a second");
    expect(formatDuration(1)).toBe("1 second");
    expect(formatDuration(45)).toBe("45 seconds");
    expect(formatDuration(90)).toBe("About a minute");
    expect(formatDuration(600)).toBe("10 minutes");
    expect(formatDuration(3600)).toBe("About an hour");
    expect(formatDuration(47 * 3600)).toBe("47 hours");
    expect(formatDuration(3 * 86400)).toBe("3 days");
    expect(formatDuration(20 * 86400)).toBe("2 weeks");
    expect(formatDuration(100 * 86400)).toBe("3 months");
    expect(formatDuration(800 * 86400)).toBe("2 years");
    expect(formatAgo(secondsAgo(120), NOW)).toBe("2 minutes ago");
    expect(formatAgo(undefined, NOW)).toBe("");
  });

  it("shortId, truncate, splitRepoTag", () => {
    expect(shortId("sha256:" + "ab".repeat(32))).toBe("abababababab");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(splitRepoTag("127.0.0.1:5055/team/app:v1")).toEqual(["127.0.0.1:5055/team/app", "v1"]);
    expect(splitRepoTag("127.0.0.1:5055/team/app")).toEqual(["127.0.0.1:5055/team/app", "<none>"]);
  });

  it("the CLI reports berth's version", () => {
    expect(cliVersion()).toBe(BERTH_VERSION);
  });
});

describe("ps and images", () => {
  const container = {
    Id: "0123456789abcdef".repeat(4),
    Image: "busybox",
    Command: "sh -c 'a long command line'",
    Created: secondsAgo(300),
    Status: "Exited (3) 4 minutes ago",
    Ports: [
      { PrivatePort: 80, Type: "tcp" },
      { PrivatePort: 53, PublicPort: 5353, Type: "udp", IP: "127.0.0.1" },
    ],
    Names: ["/web"],
  } as APIContainers;

  it("ps prints docker's columns", () => {
    expect(formatContainers([container], {}, NOW)).toBe(
      "CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS                     PORTS                            NAMES\n" +
        `0123456789ab   busybox   "sh -c 'a long comma…"   5 minutes ago   Exited (3) 4 minutes ago   80/tcp, 127.0.0.1:5353->53/udp   web\n`,
    );
    expect(formatContainers([container], { quiet: true })).toBe("0123456789ab\n");
    expect(formatContainers([container], { quiet: true, noTrunc: true })).toBe(`${container.Id}\n`);
    expect(JSON.parse(formatContainers([container], { json: true }))).toEqual([container]);
  });

  it("images prints one row per tag and <none> for untagged images", () => {
    const images = [
      {
        Id: "sha256:" + "1".repeat(64),
        RepoTags: ["busybox:latest", "registry:5000/busybox:v1"],
        Created: secondsAgo(7200),
        Size: 1_980_000,
      },
      { Id: "sha256:" + "2".repeat(64), RepoTags: [], Created: secondsAgo(30), Size: 500 },
    ] as unknown as APIImages[];
    expect(formatImages(images, {}, NOW)).toBe(
      "REPOSITORY              TAG      IMAGE ID       CREATED          SIZE\n" +
        "busybox                 latest   111111111111   2 hours ago      1.98MB\n" +
        "registry:5000/busybox   v1       111111111111   2 hours ago      1.98MB\n" +
        "<none>                  <none>   222222222222   30 seconds ago   500B\n",
    );
    expect(formatImages(images, { quiet: true })).toBe("111111111111\n222222222222\n");
  });
});

describe("events, version, info", () => {
  it("formatEvent prints nanosecond time, type, action, id and sorted attributes", () => {
    const line = formatEvent({
      kind: "event",
      type: "container",
      action: "die",
      actor: { id: "abc", attributes: { name: "web", exitCode: "0", image: "busybox" } },
      time: 1704888000,
      timeNano: 1704888000123456789n,
      raw: {},
    });
    expect(line).toBe("2024-01-10T12:00:00.123456789Z container die abc (exitCode=0, image=busybox, name=web)\n");
  });

  it("formatVersion shows both sides and the API versions", () => {
    const text = formatVersion(
      {
        version: "0.1.0",
        runtime: "node v20.0.0",
        clientApiVersion: "1.10",
        negotiatedApiVersion: "1.12",
        endpoint: "unix:///d.sock",
        source: "DOCKER_HOST",
      },
      { Version: "20.10.24", ApiVersion: "1.41", MinAPIVersion: "1.12", GoVersion: "go1.19", GitCommit: "abc", Os: "linux", Arch: "amd64" },
    );
    expect(text).toContain(" API version:       1.12 (client types: 1.10)\n");
    expect(text).toContain(" Endpoint:          unix:///d.sock (from DOCKER_HOST)\n");
    expect(text).toContain(" API version:       1.41 (minimum version 1.12)\n");
    expect(text).toContain(" OS/Arch:           linux/amd64\n");
  });

  it("formatInfo prints the fields the daemon sent", () => {
    const text = formatInfo({ Containers: 2, ContainersRunning: 1, Images: 3, Driver: "vfs", MemTotal: 2_000_000_000 } as never);
    expect(text).toBe("Server:\n Containers: 2\n  Running: 1\n Images: 3\n Storage Driver: vfs\n Total Memory: 2GB\n");
  });
});
