/**
 * `POST /containers/{id}/resize`: sets the size of a container's TTY, for example while attached
 * to it. The Go client's `ResizeContainerTTY`.
 */
import type { DockerApi } from "../api.js";
import { InvalidOptionError } from "../errors.js";

/** A terminal size in character cells. */
export interface TtySize {
  height: number;
  width: number;
}

/** Resizes the TTY of `container`. The container must be running and have a TTY. */
export async function resizeContainerTTY(
  docker: DockerApi<any>,
  container: string,
  size: TtySize,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  for (const [name, value] of Object.entries(size)) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new InvalidOptionError(name, "must be an integer from 0 to 65535");
  }
  // The answer has no body worth reading; `text` also copes with an empty body that carries no length.
  await docker.api.POST("/containers/{id}/resize", {
    params: { path: { id: container }, query: { h: size.height, w: size.width } },
    parseAs: "text",
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
