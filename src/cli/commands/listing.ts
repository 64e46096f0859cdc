/**
 * `berth ps` and `berth images`: the container and image lists as docker prints them.
 */
import { parseCommand } from "../args.js";
import { writeOut } from "../context.js";
import { formatAgo, formatBytes, formatTable, shortId, truncate } from "../format.js";
import type { APIContainers, APIImages } from "../../index.js";
import type { Command } from "./types.js";

export const ps: Command = {
  name: "ps",
  summary: "List containers",
  usage: `Usage: berth ps [OPTIONS]

List containers (running ones unless -a).

Options:
  -a, --all        Show all containers, stopped ones too
  -q, --quiet      Only show container ids
      --no-trunc   Do not shorten ids and commands
      --json       Print the daemon's answer as JSON
`,
  async run(context, args) {
    const { values } = parseCommand(
      args,
      {
        all: { type: "boolean", short: "a" },
        quiet: { type: "boolean", short: "q" },
        "no-trunc": { type: "boolean" },
        json: { type: "boolean" },
      },
      { command: "ps", max: 0 },
    );
    const containers = await context.client().listContainers({ all: values.all === true, signal: context.signal });
    await writeOut(
      context.io.stdout,
      formatContainers(containers, { quiet: values.quiet, noTrunc: values["no-trunc"], json: values.json }),
    );
    return 0;
  },
};

/** The `ps` output for a list of containers. */
export function formatContainers(
  containers: readonly APIContainers[],
  options: { quiet?: boolean | undefined; noTrunc?: boolean | undefined; json?: boolean | undefined } = {},
  nowMs: number = Date.now(),
): string {
  if (options.json) return `${JSON.stringify(containers, null, 2)}\n`;
  const id = (value: string) => (options.noTrunc ? value : shortId(value));
  if (options.quiet) return containers.map((container) => `${id(container.Id)}\n`).join("");
  const rows = containers.map((container) => [
    id(container.Id),
    container.Image ?? "",
    container.Command === undefined ? "" : JSON.stringify(options.noTrunc ? container.Command : truncate(container.Command, 20)),
    formatAgo(container.Created, nowMs),
    container.Status ?? "",
    formatPorts(container.Ports),
    container.Names.map((name) => name.replace(/^\//, "")).join(","),
  ]);
  return formatTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], rows);
}

function formatPorts(ports: APIContainers["Ports"]): string {
  return ports
    .map((port) => {
      const inner = `${port.PrivatePort ?? ""}/${port.Type ?? "tcp"}`;
      if (port.PublicPort === undefined || port.PublicPort === 0) return inner;
      const ip = typeof port["IP"] === "string" ? port["IP"] : "0.0.0.0";
      return `${ip}:${port.PublicPort}->${inner}`;
    })
    .join(", ");
}

export const images: Command = {
  name: "images",
  summary: "List images",
  usage: `Usage: berth images [OPTIONS]

List images.

Options:
  -a, --all        Show intermediate images too
  -q, --quiet      Only show image ids
      --no-trunc   Do not shorten ids
      --json       Print the daemon's answer as JSON
`,
  async run(context, args) {
    const { values } = parseCommand(
      args,
      {
        all: { type: "boolean", short: "a" },
        quiet: { type: "boolean", short: "q" },
        "no-trunc": { type: "boolean" },
        json: { type: "boolean" },
      },
      { command: "images", max: 0 },
    );
    const list = await context.client().listImages({ all: values.all === true, signal: context.signal });
    await writeOut(context.io.stdout, formatImages(list, { quiet: values.quiet, noTrunc: values["no-trunc"], json: values.json }));
    return 0;
  },
};

/** The `images` output: one row per tag (`<none>` for an untagged image). */
export function formatImages(
  list: readonly APIImages[],
  options: { quiet?: boolean | undefined; noTrunc?: boolean | undefined; json?: boolean | undefined } = {},
  nowMs: number = Date.now(),
): string {
  if (options.json) return `${JSON.stringify(list, null, 2)}\n`;
  const id = (value: string) => (options.noTrunc ? value : shortId(value));
  if (options.quiet) return [...new Set(list.map((image) => id(image.Id)))].map((value) => `${value}\n`).join("");
  const rows: string[][] = [];
  for (const image of list) {
    const size = formatBytes(image.VirtualSize ?? image.Size ?? 0);
    const created = formatAgo(image.Created, nowMs);
    const tags = image.RepoTags.length > 0 ? image.RepoTags : ["<none>:<none>"];
    for (const reference of tags) {
      const [repository, tag] = splitRepoTag(reference);
      rows.push([repository, tag, id(image.Id), created, size]);
    }
  }
  return formatTable(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows);
}

/** `registry:5000/team/app:1.0` → [`registry:5000/team/app`, `1.0`]; the tag is after the last `:` past the last `/`. */
export function splitRepoTag(reference: string): [string, string] {
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/")) return [reference.slice(0, colon), reference.slice(colon + 1)];
  return [reference, "<none>"];
}
