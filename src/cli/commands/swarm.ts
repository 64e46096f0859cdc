/**
 * The Swarm commands: `berth service ls|create|ps|logs|scale|update|rm`, `berth node ls|update`,
 * `berth swarm init|join|leave` and `berth secret create|ls|rm`. Changes to services wait for
 * convergence by default, as the docker CLI does (`-d` returns at once); the wait shows one line
 * per replica, redrawn with bars on a terminal and printed as it changes otherwise.
 */
import { readFile } from "node:fs/promises";
import { parseCommand, splitKeyValue, UsageError } from "../args.js";
import { writeOut, type CliContext } from "../context.js";
import { formatTable, shortId } from "../format.js";
import { createDockerApiV141, type DockerApiV141 } from "../../versions/v1.41.js";
import {
  createSecret,
  createService,
  describeProgress,
  initSwarm,
  inspectService,
  joinSwarm,
  leaveSwarm,
  listNodes,
  listSecrets,
  listServices,
  listTasks,
  removeSecret,
  removeService,
  scaleService,
  secretReference,
  serviceLogs,
  updateNode,
  updateService,
  type ConvergenceProgress,
  type ServiceSpec,
} from "../../swarm/index.js";
import { registryAuthFor } from "./registry.js";
import type { Command } from "./types.js";

/** A v1.41 client on the CLI's daemon, closed when `body` ends. */
async function withApi<T>(context: CliContext, body: (docker: DockerApiV141) => Promise<T>): Promise<T> {
  const docker = createDockerApiV141({ ...context.connection().options, userAgent: `berth-cli` });
  try {
    return await body(docker);
  } finally {
    await docker.close();
  }
}

function subcommand(args: readonly string[], command: string, names: readonly string[]): [string, string[]] {
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help")
    throw new UsageError(`"${command}" needs a subcommand: ${names.join(", ")}`, command);
  if (!names.includes(name)) throw new UsageError(`unknown subcommand "${command} ${name}": ${names.join(", ")}`, command);
  return [name, rest];
}

const BAR_STATES = ["new", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"];

/** The convergence display: one line per replica, bars and redraws on a terminal. */
export function convergenceView(context: CliContext): (progress: ConvergenceProgress) => void {
  const out = context.io.stdout;
  const tty = out.isTTY === true;
  let drawn = 0;
  const seen = new Map<string, string>();
  return (p) => {
    if (tty) {
      const lines = p.replicas.map((r) => {
        const step = Math.max(0, BAR_STATES.indexOf(r.state)) + 1;
        const bar = `[${"=".repeat(step).padEnd(BAR_STATES.length)}]`;
        return `${String(r.slot ?? shortId(r.nodeId)).padStart(3)}/${p.desired}: ${r.state.padEnd(10)} ${bar} ${r.error ?? ""}`.trimEnd();
      });
      lines.push(`overall progress: ${describeProgress(p)}`);
      const up = drawn > 0 ? `\x1b[${drawn}A` : "";
      void writeOut(out, `${up}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`);
      drawn = lines.length;
      return;
    }
    for (const r of p.replicas) {
      const line = `${r.state}${r.error ? ` (${r.error})` : ""}`;
      if (seen.get(r.taskId) === line) continue;
      seen.set(r.taskId, line);
      void writeOut(out, `replica ${r.slot ?? "-"} task ${shortId(r.taskId)} node ${shortId(r.nodeId)}: ${line}\n`);
    }
    if (p.converged) void writeOut(out, `converged: ${describeProgress(p)}\n`);
  };
}

const CREATE_OPTIONS = {
  name: { type: "string" },
  replicas: { type: "string" },
  mode: { type: "string" },
  env: { type: "string", short: "e", multiple: true },
  label: { type: "string", short: "l", multiple: true },
  constraint: { type: "string", multiple: true },
  secret: { type: "string", multiple: true },
  detach: { type: "boolean", short: "d" },
  "with-registry-auth": { type: "boolean" },
} as const;

function replicasOf(text: string, command: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`replicas must be a non-negative integer, got ${JSON.stringify(text)}`, command);
  return n;
}

export const service: Command = {
  name: "service",
  summary: "Manage Swarm services (ls, create, ps, logs, scale, update, rm)",
  usage: `Usage: berth service COMMAND

Manage Swarm services (run against a manager).

Commands:
  ls                                 List services with running/desired replicas
  create [OPTIONS] IMAGE [CMD...]    Create a service and wait until it converges
      --name NAME, --replicas N, --mode replicated|global, -e/--env K=V, -l/--label K=V,
      --constraint EXPR, --secret NAME[:TARGET], -d/--detach, --with-registry-auth
  ps SERVICE                         List a service's tasks with their node and state
  logs [-f] [-t] [--tail N] SERVICE  Show a service's logs, each line with its task and node
  scale SERVICE=N [SERVICE=N...]     Set replica counts and wait for each
  update [OPTIONS] SERVICE           --image IMAGE, -e/--env-add K=V, --force, -d, --with-registry-auth
  rm SERVICE [SERVICE...]            Remove services
`,
  async run(context, args) {
    const [name, rest] = subcommand(args, "service", ["ls", "create", "ps", "logs", "scale", "update", "rm"]);
    const signal = context.signal;
    return withApi(context, async (docker) => {
      switch (name) {
        case "ls": {
          parseCommand(rest, {}, { command: "service", max: 0 });
          const services = await listServices(docker, { status: true, signal });
          const rows = services.map((s) => {
            const status = (s as { ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number } }).ServiceStatus;
            const mode = s.Spec?.Mode?.Global ? "global" : "replicated";
            return [
              shortId(s.ID),
              s.Spec?.Name ?? "",
              mode,
              `${status?.RunningTasks ?? 0}/${status?.DesiredTasks ?? 0}`,
              s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "",
            ];
          });
          await writeOut(context.io.stdout, formatTable(["ID", "NAME", "MODE", "REPLICAS", "IMAGE"], rows));
          return 0;
        }
        case "create": {
          const { values, positionals } = parseCommand(rest, CREATE_OPTIONS, { command: "service", min: 1, stopAtPositional: true });
          const [image, ...cmd] = positionals as [string, ...string[]];
          const global = values.mode === "global";
          if (values.mode !== undefined && !global && values.mode !== "replicated")
            throw new UsageError(`--mode must be replicated or global`, "service");
          const spec: ServiceSpec = {
            ...(values.name ? { Name: values.name } : {}),
            Labels: Object.fromEntries((values.label ?? []).map((l) => splitKeyValue(l, "--label", "service"))),
            TaskTemplate: {
              ContainerSpec: {
                Image: image,
                ...(cmd.length ? { Command: cmd } : {}),
                ...(values.env?.length ? { Env: values.env } : {}),
              },
              ...(values.constraint?.length ? { Placement: { Constraints: values.constraint } } : {}),
            },
            Mode: global ? { Global: {} } : { Replicated: { Replicas: replicasOf(values.replicas ?? "1", "service") } },
          };
          if (values.secret?.length) {
            const secrets = await listSecrets(docker, { signal });
            spec.TaskTemplate!.ContainerSpec!.Secrets = values.secret.map((text) => {
              const [secretName, target] = text.split(":") as [string, string | undefined];
              const found = secrets.find((s) => s.Spec?.Name === secretName || s.ID === secretName);
              if (!found) throw new UsageError(`no secret ${JSON.stringify(secretName)}`, "service");
              return secretReference({ id: found.ID!, name: found.Spec!.Name! }, { target });
            });
          }
          const registryAuth = values["with-registry-auth"] ? await registryAuthFor(context, image) : undefined;
          const result = await createService(docker, spec, {
            registryAuth,
            wait: !values.detach,
            signal,
            onProgress: convergenceView(context),
          });
          for (const warning of result.warnings) await writeOut(context.io.stderr, `warning: ${warning}\n`);
          await writeOut(context.io.stdout, `${result.id}\n`);
          return 0;
        }
        case "ps": {
          const { positionals } = parseCommand(rest, {}, { command: "service", min: 1, max: 1 });
          const target = await inspectService(docker, positionals[0]!, { signal });
          const nodes = new Map(
            (await listNodes(docker, { signal })).map((n) => [n.ID, n.Spec?.Labels?.["berth.node"] ?? n.Description?.Hostname ?? ""]),
          );
          const tasks = await listTasks(docker, { filters: { service: [target.ID!] }, signal });
          tasks.sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""));
          const rows = tasks.map((t) => [
            shortId(t.ID),
            `${target.Spec?.Name}.${t.Slot ?? shortId(t.NodeID)}`,
            `${shortId(t.NodeID)} ${nodes.get(t.NodeID) ?? ""}`.trim(),
            t.DesiredState ?? "",
            t.Status?.State ?? "",
            t.Status?.Err ?? "",
          ]);
          await writeOut(context.io.stdout, formatTable(["ID", "NAME", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"], rows));
          return 0;
        }
        case "logs": {
          const { values, positionals } = parseCommand(
            rest,
            { follow: { type: "boolean", short: "f" }, timestamps: { type: "boolean", short: "t" }, tail: { type: "string" } },
            { command: "service", min: 1, max: 1 },
          );
          const tail = values.tail === undefined || values.tail === "all" ? values.tail : replicasOf(values.tail, "service");
          for await (const line of serviceLogs(
            docker,
            { service: positionals[0]! },
            { follow: values.follow, timestamps: values.timestamps, tail, signal },
          )) {
            const prefix = `${line.timestamp ? `${line.timestamp} ` : ""}${shortId(line.taskId)}@${shortId(line.nodeId)} | `;
            await writeOut(line.stream === "stderr" ? context.io.stderr : context.io.stdout, `${prefix}${line.text}\n`);
          }
          return 0;
        }
        case "scale": {
          const { values, positionals } = parseCommand(rest, { detach: { type: "boolean", short: "d" } }, { command: "service", min: 1 });
          for (const pair of positionals) {
            const [id, count] = splitKeyValue(pair, "SERVICE=REPLICAS", "service");
            await scaleService(docker, id, replicasOf(count, "service"), {
              wait: !values.detach,
              signal,
              onProgress: convergenceView(context),
            });
            await writeOut(context.io.stdout, `${id} scaled to ${count}\n`);
          }
          return 0;
        }
        case "update": {
          const { values, positionals } = parseCommand(
            rest,
            {
              image: { type: "string" },
              "env-add": { type: "string", short: "e", multiple: true },
              force: { type: "boolean" },
              detach: { type: "boolean", short: "d" },
              "with-registry-auth": { type: "boolean" },
            },
            { command: "service", min: 1, max: 1 },
          );
          const id = positionals[0]!;
          const current = await inspectService(docker, id, { signal });
          const image = values.image ?? current.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "";
          const registryAuth = values["with-registry-auth"] ? await registryAuthFor(context, image) : undefined;
          await updateService(
            docker,
            id,
            (spec) => {
              const container = (spec.TaskTemplate ??= {}).ContainerSpec ?? (spec.TaskTemplate.ContainerSpec = {});
              if (values.image) container.Image = values.image;
              for (const entry of values["env-add"] ?? []) {
                const key = splitKeyValue(entry, "--env-add", "service")[0];
                container.Env = [...(container.Env ?? []).filter((e) => !e.startsWith(`${key}=`)), entry];
              }
              if (values.force) spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
            },
            { registryAuth, wait: !values.detach, signal, onProgress: convergenceView(context) },
          );
          await writeOut(context.io.stdout, `${id}\n`);
          return 0;
        }
        default: {
          const { positionals } = parseCommand(rest, {}, { command: "service", min: 1 });
          for (const id of positionals) {
            await removeService(docker, id, { signal });
            await writeOut(context.io.stdout, `${id}\n`);
          }
          return 0;
        }
      }
    });
  },
};

export const node: Command = {
  name: "node",
  summary: "Manage Swarm nodes (ls, update)",
  usage: `Usage: berth node COMMAND

Commands:
  ls                                             List the swarm's nodes
  update [--availability active|pause|drain] [--role worker|manager] [--label-add K=V] NODE
`,
  async run(context, args) {
    const [name, rest] = subcommand(args, "node", ["ls", "update"]);
    const signal = context.signal;
    return withApi(context, async (docker) => {
      if (name === "ls") {
        parseCommand(rest, {}, { command: "node", max: 0 });
        const nodes = await listNodes(docker, { signal });
        const rows = nodes.map((n) => [
          n.ID ?? "",
          n.Description?.Hostname ?? "",
          n.Status?.State ?? "",
          n.Spec?.Availability ?? "",
          n.ManagerStatus ? (n.ManagerStatus.Leader ? "Leader" : (n.ManagerStatus.Reachability ?? "")) : "",
          n.Status?.Addr ?? "",
        ]);
        await writeOut(context.io.stdout, formatTable(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ADDRESS"], rows));
        return 0;
      }
      const { values, positionals } = parseCommand(
        rest,
        { availability: { type: "string" }, role: { type: "string" }, "label-add": { type: "string", multiple: true } },
        { command: "node", min: 1, max: 1 },
      );
      const availability = values.availability;
      if (availability !== undefined && !["active", "pause", "drain"].includes(availability))
        throw new UsageError("--availability must be active, pause or drain", "node");
      if (values.role !== undefined && !["worker", "manager"].includes(values.role))
        throw new UsageError("--role must be worker or manager", "node");
      await updateNode(
        docker,
        positionals[0]!,
        (spec) => {
          if (availability) spec.Availability = availability as "active" | "pause" | "drain";
          if (values.role) spec.Role = values.role as "worker" | "manager";
          for (const entry of values["label-add"] ?? []) {
            const [key, value] = splitKeyValue(entry, "--label-add", "node");
            spec.Labels = { ...spec.Labels, [key]: value };
          }
        },
        { signal },
      );
      await writeOut(context.io.stdout, `${positionals[0]}\n`);
      return 0;
    });
  },
};

export const swarm: Command = {
  name: "swarm",
  summary: "Manage the swarm (init, join, leave)",
  usage: `Usage: berth swarm COMMAND

Commands:
  init [--advertise-addr ADDR] [--listen-addr ADDR]          Make this daemon the first manager
  join --token TOKEN [--advertise-addr A] [--listen-addr A] MANAGER_ADDR
  leave [-f]                                                 Leave the swarm (-f for a manager)
`,
  async run(context, args) {
    const [name, rest] = subcommand(args, "swarm", ["init", "join", "leave"]);
    const signal = context.signal;
    return withApi(context, async (docker) => {
      if (name === "leave") {
        const { values } = parseCommand(rest, { force: { type: "boolean", short: "f" } }, { command: "swarm", max: 0 });
        await leaveSwarm(docker, { force: values.force, signal });
        await writeOut(context.io.stdout, "Node left the swarm.\n");
        return 0;
      }
      const addressOptions = {
        "advertise-addr": { type: "string" },
        "listen-addr": { type: "string" },
        token: { type: "string" },
      } as const;
      const { values, positionals } = parseCommand(rest, addressOptions, {
        command: "swarm",
        max: name === "join" ? 1 : 0,
        min: name === "join" ? 1 : 0,
      });
      const listen = values["listen-addr"] ?? "0.0.0.0:2377";
      const advertise = values["advertise-addr"];
      if (name === "init") {
        const id = await initSwarm(docker, { ListenAddr: listen, ...(advertise ? { AdvertiseAddr: advertise } : {}) }, { signal });
        await writeOut(context.io.stdout, `Swarm initialized: current node (${id}) is now a manager.\n`);
        return 0;
      }
      if (!values.token) throw new UsageError("swarm join needs --token", "swarm");
      await joinSwarm(
        docker,
        { ListenAddr: listen, ...(advertise ? { AdvertiseAddr: advertise } : {}), RemoteAddrs: positionals, JoinToken: values.token },
        { signal },
      );
      await writeOut(context.io.stdout, "This node joined a swarm.\n");
      return 0;
    });
  },
};

export const secret: Command = {
  name: "secret",
  summary: "Manage Swarm secrets (create, ls, rm)",
  usage: `Usage: berth secret COMMAND

Commands:
  create [-l K=V] NAME FILE|-    Create a secret from a file or stdin
  ls                             List secrets
  rm SECRET [SECRET...]          Remove secrets
`,
  async run(context, args) {
    const [name, rest] = subcommand(args, "secret", ["create", "ls", "rm"]);
    const signal = context.signal;
    return withApi(context, async (docker) => {
      if (name === "ls") {
        parseCommand(rest, {}, { command: "secret", max: 0 });
        const secrets = await listSecrets(docker, { signal });
        await writeOut(
          context.io.stdout,
          formatTable(
            ["ID", "NAME", "CREATED"],
            secrets.map((s) => [s.ID ?? "", s.Spec?.Name ?? "", s.CreatedAt ?? ""]),
          ),
        );
        return 0;
      }
      if (name === "rm") {
        const { positionals } = parseCommand(rest, {}, { command: "secret", min: 1 });
        for (const id of positionals) {
          await removeSecret(docker, id, { signal });
          await writeOut(context.io.stdout, `${id}\n`);
        }
        return 0;
      }
      const { values, positionals } = parseCommand(
        rest,
        { label: { type: "string", short: "l", multiple: true } },
        { command: "secret", min: 2, max: 2 },
      );
      const [secretName, file] = positionals as [string, string];
      const data = file === "-" ? await readAll(context.io.stdin) : new Uint8Array(await readFile(file));
      const labels = Object.fromEntries((values.label ?? []).map((l) => splitKeyValue(l, "--label", "secret")));
      const id = await createSecret(docker, { name: secretName, data, labels }, { signal });
      await writeOut(context.io.stdout, `${id}\n`);
      return 0;
    });
  },
};

async function readAll(stream: AsyncIterable<unknown> | undefined): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (stream)
    for await (const chunk of stream) parts.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
