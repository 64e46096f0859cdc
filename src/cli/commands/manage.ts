/**
 * `berth tag`, `berth rmi` and `berth rm`: the small housekeeping commands the demo and
 * everyday use need around build, push and run.
 */
import { parseCommand } from "../args.js";
import { writeOut, type CliContext } from "../context.js";
import { splitRepoTag } from "./listing.js";
import type { Command } from "./types.js";

export const tag: Command = {
  name: "tag",
  summary: "Give an image another name",
  usage: `Usage: berth tag SOURCE_IMAGE TARGET_IMAGE[:TAG]

Give an image another name (tag "latest" unless one is given).
`,
  async run(context, args) {
    const { positionals } = parseCommand(args, {}, { command: "tag", min: 2, max: 2 });
    const [source, target] = positionals as [string, string];
    const [repo, tagName] = splitRepoTag(target);
    await context.client().tagImage({ name: source, repo, tag: tagName === "<none>" ? "latest" : tagName, signal: context.signal });
    return 0;
  },
};

export const rmi: Command = {
  name: "rmi",
  summary: "Remove images",
  usage: `Usage: berth rmi [OPTIONS] IMAGE [IMAGE...]

Remove images (an image with several names loses only the name given).

Options:
  -f, --force   Remove the image even if containers use it
`,
  async run(context, args) {
    const { values, positionals } = parseCommand(args, { force: { type: "boolean", short: "f" } }, { command: "rmi", min: 1 });
    return eachReportingErrors(context, positionals, async (name) => {
      const steps = await context.client().removeImage({ name, force: values.force === true, signal: context.signal });
      for (const step of steps) {
        const record = step as Record<string, unknown>;
        if (typeof record["Untagged"] === "string") await writeOut(context.io.stdout, `Untagged: ${record["Untagged"]}\n`);
        if (typeof record["Deleted"] === "string") await writeOut(context.io.stdout, `Deleted: ${record["Deleted"]}\n`);
      }
    });
  },
};

export const rm: Command = {
  name: "rm",
  summary: "Remove containers",
  usage: `Usage: berth rm [OPTIONS] CONTAINER [CONTAINER...]

Remove containers.

Options:
  -f, --force   Remove running containers too (they are killed)
`,
  async run(context, args) {
    const { values, positionals } = parseCommand(args, { force: { type: "boolean", short: "f" } }, { command: "rm", min: 1 });
    return eachReportingErrors(context, positionals, async (id) => {
      await context.client().removeContainer({ id, force: values.force === true, signal: context.signal });
      await writeOut(context.io.stdout, `${id}\n`);
    });
  },
};

/**
 * Runs `action` for every item, as `docker rm` / `docker rmi` do: a failure is reported
 * (`berth: <message>` on stderr) and the next item is still tried; exit 1 if any failed.
 */
async function eachReportingErrors(
  context: CliContext,
  items: readonly string[],
  action: (item: string) => Promise<void>,
): Promise<number> {
  let code = 0;
  for (const item of items) {
    try {
      await action(item);
    } catch (error) {
      if (context.signal.aborted) throw error;
      await writeOut(context.io.stderr, `berth: ${(error as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
