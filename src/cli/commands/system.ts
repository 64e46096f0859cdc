/**
 * `berth version` and `berth info`.
 */
import { parseCommand } from "../args.js";
import { cliVersion, writeOut, type CliContext } from "../context.js";
import { formatBytes } from "../format.js";
import { CLIENT_API_VERSION, detectRuntime, formatEndpoint, type DockerInfo, type DockerVersion } from "../../index.js";
import type { Command } from "./types.js";

export const version: Command = {
  name: "version",
  summary: "Show the berth and daemon versions, and the API version in use",
  usage: `Usage: berth version [OPTIONS]

Show berth's version, the daemon's, and the API version negotiated with it.

Options:
      --json   Print {client, server} as JSON
`,
  async run(context, args) {
    const { values } = parseCommand(args, { json: { type: "boolean" } }, { command: "version", max: 0 });
    const client = context.client();
    const server = await client.version({ signal: context.signal });
    const negotiated = await client.apiVersion({ signal: context.signal });
    const summary = clientSummary(context, negotiated);
    if (values.json) {
      await writeOut(context.io.stdout, `${JSON.stringify({ client: summary, server }, null, 2)}\n`);
      return 0;
    }
    await writeOut(context.io.stdout, formatVersion(summary, server));
    return 0;
  },
};

/** What `version` reports about berth's side. */
export interface ClientSummary {
  version: string;
  runtime: string;
  /** The API version berth's client types describe. */
  clientApiVersion: string;
  /** The API version in use with this daemon. */
  negotiatedApiVersion: string;
  endpoint: string;
  /** Which setting chose the endpoint (`-H`, `DOCKER_HOST`, a context, the default). */
  source: string;
}

function clientSummary(context: CliContext, negotiated: string): ClientSummary {
  const connection = context.connection();
  let source: string = connection.source;
  if (context.globals.host !== undefined) source = "-H";
  else if (context.globals.context !== undefined) source = `--context ${context.globals.context}`;
  else if (connection.context !== "default") source = `context ${connection.context} (${connection.source})`;
  return {
    version: cliVersion(),
    runtime: runtimeDescription(),
    clientApiVersion: CLIENT_API_VERSION,
    negotiatedApiVersion: negotiated,
    endpoint: formatEndpoint(context.client().docker.endpoint),
    source,
  };
}

/** `node v20.20.2`, `bun 1.4.5`, `deno 2.9.6`. */
export function runtimeDescription(): string {
  const runtime = detectRuntime();
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; process?: { version: string } };
  if (runtime === "deno") return `deno ${g.Deno?.version.deno ?? "?"}`;
  if (runtime === "bun") return `bun ${g.Bun?.version ?? "?"}`;
  return `node ${g.process?.version ?? "?"}`;
}

/** The text form of `berth version`. */
export function formatVersion(client: ClientSummary, server: DockerVersion): string {
  const field = (value: unknown) => (value === undefined || value === null || value === "" ? "-" : String(value));
  const apiRange =
    server.MinAPIVersion !== undefined ? `${field(server.ApiVersion)} (minimum version ${server.MinAPIVersion})` : field(server.ApiVersion);
  const osArch = server["Os"] !== undefined ? `${field(server["Os"])}/${field(server["Arch"])}` : "-";
  return [
    "Client: berth",
    ` Version:           ${client.version}`,
    ` Runtime:           ${client.runtime}`,
    ` API version:       ${client.negotiatedApiVersion} (client types: ${client.clientApiVersion})`,
    ` Endpoint:          ${client.endpoint} (from ${client.source})`,
    "",
    "Server:",
    ` Version:           ${field(server.Version)}`,
    ` API version:       ${apiRange}`,
    ` Go version:        ${field(server.GoVersion)}`,
    ` Git commit:        ${field(server.GitCommit)}`,
    ` OS/Arch:           ${osArch}`,
    ` Kernel version:    ${field(server["KernelVersion"])}`,
    "",
  ].join("\n");
}

export const info: Command = {
  name: "info",
  summary: "Show system-wide information about the daemon",
  usage: `Usage: berth info [OPTIONS]

Show system-wide information about the daemon.

Options:
      --json   Print the daemon's answer as JSON
`,
  async run(context, args) {
    const { values } = parseCommand(args, { json: { type: "boolean" } }, { command: "info", max: 0 });
    const answer = await context.client().info({ signal: context.signal });
    await writeOut(context.io.stdout, values.json ? `${JSON.stringify(answer, null, 2)}\n` : formatInfo(answer));
    return 0;
  },
};

/** The text form of `berth info`: the fields a person looks for, those the daemon sent. */
export function formatInfo(answer: DockerInfo): string {
  const record = answer as Record<string, unknown>;
  const lines: string[] = ["Server:"];
  const add = (label: string, value: unknown, indent = 1) => {
    if (value === undefined || value === null || value === "") return;
    lines.push(`${" ".repeat(indent)}${label}: ${Array.isArray(value) ? value.join(", ") : String(value)}`);
  };
  add("Containers", record["Containers"]);
  add("Running", record["ContainersRunning"], 2);
  add("Paused", record["ContainersPaused"], 2);
  add("Stopped", record["ContainersStopped"], 2);
  add("Images", record["Images"]);
  add("Server Version", record["ServerVersion"]);
  add("Storage Driver", record["Driver"]);
  add("Logging Driver", record["LoggingDriver"]);
  add("Cgroup Driver", record["CgroupDriver"]);
  add("Kernel Version", record["KernelVersion"]);
  add("Operating System", record["OperatingSystem"]);
  add("OSType", record["OSType"]);
  add("Architecture", record["Architecture"]);
  add("CPUs", record["NCPU"]);
  add("Total Memory", typeof record["MemTotal"] === "number" ? formatBytes(record["MemTotal"]) : undefined);
  add("Name", record["Name"]);
  add("ID", record["ID"]);
  add("Docker Root Dir", record["DockerRootDir"]);
  add("Debug Mode", record["Debug"]);
  const registry = record["RegistryConfig"] as
    { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }> } | undefined;
  if (registry) {
    const insecure = [
      ...Object.entries(registry.IndexConfigs ?? {})
        .filter(([, config]) => config.Secure === false)
        .map(([name]) => name),
      ...(registry.InsecureRegistryCIDRs ?? []),
    ];
    add("Insecure Registries", insecure.length > 0 ? insecure : undefined);
  }
  return `${lines.join("\n")}\n`;
}
