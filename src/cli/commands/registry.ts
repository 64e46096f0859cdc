/**
 * `berth pull` and `berth push`, with live progress and the registry's credentials taken from
 * the docker configuration (config.json `auths`, credential helpers, `DOCKER_AUTH_CONFIG`).
 */
import { parseCommand } from "../args.js";
import { writeOut, type CliContext, type OutputStream } from "../context.js";
import type { AuthConfiguration } from "../../index.js";
import { showProgress } from "../show-progress.js";
import type { Command } from "./types.js";

export const pull: Command = {
  name: "pull",
  summary: "Pull an image from a registry",
  usage: `Usage: berth pull [OPTIONS] NAME[:TAG|@DIGEST]

Pull an image from a registry (tag "latest" unless one is given). Credentials for the
registry come from the docker configuration, as with docker pull.

Options:
  -a, --all-tags   Pull every tag of the repository
`,
  async run(context, args) {
    const { positionals, values } = parseCommand(
      args,
      { "all-tags": { type: "boolean", short: "a" } },
      { command: "pull", min: 1, max: 1 },
    );
    const result = await pullWithProgress(context, positionals[0]!, context.io.stdout, values["all-tags"] === true);
    await writeOut(context.io.stdout, `${result}\n`);
    return 0;
  },
};

/** Pulls `reference` showing progress on `output`; resolves with the reference pulled. Also used by `run`. */
export async function pullWithProgress(context: CliContext, reference: string, output: OutputStream, allTags = false): Promise<string> {
  const auth = await registryAuthFor(context, reference);
  const operation = context.client().pullImage({ repository: reference, allTags, auth, signal: context.signal });
  const result = await showProgress(operation, output);
  return result.image;
}

export const push: Command = {
  name: "push",
  summary: "Push an image to a registry",
  usage: `Usage: berth push NAME[:TAG]

Push an image (every tag of the repository when no tag is given) to the registry its name
starts with. Credentials come from the docker configuration, as with docker push.
`,
  async run(context, args) {
    const { positionals } = parseCommand(args, {}, { command: "push", min: 1, max: 1 });
    const name = positionals[0]!;
    const auth = await registryAuthFor(context, name);
    const operation = context.client().pushImage({ name, auth, signal: context.signal });
    await showProgress(operation, context.io.stdout);
    return 0;
  },
};

/** The stored credentials for the registry `reference` points at, if any. */
export async function registryAuthFor(context: CliContext, reference: string): Promise<AuthConfiguration | undefined> {
  return (await context.credentials().forImage(reference)) as AuthConfiguration | undefined;
}
