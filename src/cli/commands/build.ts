/**
 * `berth build`: a directory (honouring `.dockerignore`) streamed to the daemon as the build
 * context, the build output shown live, every configured registry's credentials sent along
 * for the base images (`X-Registry-Config`).
 */
import { parseCommand } from "../args.js";
import { writeOut, type CliContext } from "../context.js";
import { openBuildContext, type AuthConfiguration } from "../../index.js";
import { splitRepoTag } from "./listing.js";
import { showProgress } from "../show-progress.js";
import type { Command } from "./types.js";

export const build: Command = {
  name: "build",
  summary: "Build an image from a directory",
  usage: `Usage: berth build [OPTIONS] DIR

Build an image from the Dockerfile in DIR, sending DIR (minus what .dockerignore excludes)
as the build context.

Options:
  -t, --tag NAME[:TAG]   Name the image (repeat for more names)
  -f, --file PATH        The Dockerfile, relative to DIR (default DIR/Dockerfile)
      --no-cache         Do not use the build cache
      --force-rm         Remove intermediate containers even after a failed step
  -q, --quiet            Print only the image id
`,
  async run(context, args) {
    const { positionals, values } = parseCommand(
      args,
      {
        tag: { type: "string", short: "t", multiple: true },
        file: { type: "string", short: "f" },
        "no-cache": { type: "boolean" },
        "force-rm": { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
      },
      { command: "build", min: 1, max: 1 },
    );
    const tags = values.tag ?? [];
    const archive = await openBuildContext(positionals[0]!, { dockerfile: values.file });
    const registryConfig = await allCredentials(context);
    const options = {
      name: tags[0],
      noCache: values["no-cache"] === true,
      forceRmTmpContainer: values["force-rm"] === true ? true : undefined,
      quiet: values.quiet === true,
      registryConfig,
    };
    const operation = context.client().buildImage({
      ...options,
      context: archive.body,
      dockerfile: archive.dockerfile === "Dockerfile" ? undefined : archive.dockerfile,
      signal: context.signal,
    });
    const { imageId } = values.quiet ? await operation : await showProgress(operation, context.io.stdout);
    for (const extra of tags.slice(1)) {
      const [repo, tag] = splitRepoTag(extra);
      await context.client().tagImage({ name: imageId, repo, tag: tag === "<none>" ? undefined : tag, signal: context.signal });
    }
    if (values.quiet) await writeOut(context.io.stdout, `${imageId}\n`);
    return 0;
  },
};

/**
 * Every configured registry's credentials, for the base images. A failing credential helper
 * only costs a warning, as with `docker build`: public base images still build.
 */
async function allCredentials(context: CliContext): Promise<Record<string, AuthConfiguration> | undefined> {
  try {
    const all = await context.credentials().all();
    return Object.keys(all).length > 0 ? (all as Record<string, AuthConfiguration>) : undefined;
  } catch (error) {
    await writeOut(context.io.stderr, `berth: warning: registry credentials unavailable: ${(error as Error).message}\n`);
    return undefined;
  }
}
