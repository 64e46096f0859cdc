/**
 * `berth export` and `berth cp`: tar streams from the daemon, written to a file or stdout
 * as they arrive (never held in memory), or extracted into a directory.
 */
import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { parseCommand, UsageError } from "../args.js";
import type { CliContext } from "../context.js";
import { extractArchive, ExtractError } from "../extract-archive.js";
import type { ByteStreamOperation } from "../../index.js";
import type { Command } from "./types.js";

export const exportCommand: Command = {
  name: "export",
  summary: "Write a container's filesystem as a tar archive",
  usage: `Usage: berth export [OPTIONS] CONTAINER

Write a container's filesystem as a tar archive to stdout (or a file).

Options:
  -o, --output FILE   Write to FILE instead of stdout
`,
  async run(context, args) {
    const { values, positionals } = parseCommand(args, { output: { type: "string", short: "o" } }, { command: "export", min: 1, max: 1 });
    const operation = context.client().exportContainer({ id: positionals[0]!, signal: context.signal });
    await writeArchive(context, operation, values.output, "export");
    return 0;
  },
};

export const cp: Command = {
  name: "cp",
  summary: "Copy files out of a container",
  usage: `Usage: berth cp CONTAINER:SRC_PATH DEST_PATH|-

Copy a file or directory out of a container.
  DEST_PATH an existing directory   SRC is copied into it
  DEST_PATH does not exist          SRC is copied and named DEST_PATH
  DEST_PATH an existing file        replaced (when SRC is a file)
  -                                 the tar archive is written to stdout
`,
  async run(context, args) {
    const { positionals } = parseCommand(args, {}, { command: "cp", min: 2, max: 2 });
    const [source, destination] = positionals as [string, string];
    const colon = source.indexOf(":");
    if (colon <= 0 || colon === source.length - 1) throw new UsageError("the source must be CONTAINER:PATH", "cp");
    const operation = context.client().copyFromContainer({
      id: source.slice(0, colon),
      resource: source.slice(colon + 1),
      signal: context.signal,
    });
    if (destination === "-") {
      await writeArchive(context, operation, undefined, "cp");
      return 0;
    }
    await copyInto(operation, destination);
    return 0;
  },
};

/** Writes the archive to `file`, or to stdout (refusing a terminal). The request is answered before the file is created. */
async function writeArchive(context: CliContext, operation: ByteStreamOperation, file: string | undefined, command: string): Promise<void> {
  if (file === undefined && context.io.stdout.isTTY) {
    throw new UsageError("refusing to write a tar archive to a terminal: redirect stdout or use -o FILE", command);
  }
  await operation.stream();
  if (file === undefined) {
    await operation.pipeTo(context.io.stdout, { preventClose: true });
    return;
  }
  await operation.pipeTo(createWriteStream(file));
}

/** `docker cp`'s destination rules; see the usage text. */
async function copyInto(operation: ByteStreamOperation, destination: string): Promise<void> {
  const target = resolve(destination);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    await extractArchive(await operation.stream(), target);
    return;
  }
  if (existing === undefined && /[/\\]$/.test(destination)) throw new ExtractError(`destination directory ${destination} does not exist`);
  const parent = dirname(target);
  const parentStats = await stat(parent).catch(() => undefined);
  if (!parentStats?.isDirectory()) throw new ExtractError(`destination directory ${parent} does not exist`);
  await extractArchive(await operation.stream(), parent, { rename: basename(target), replacingFile: existing !== undefined });
}
