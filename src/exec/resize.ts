/**
 * `POST /exec/{id}/resize`: sets the TTY size of a running exec instance. The Go client's
 * `ResizeExecTTY`.
 */
import type { DockerApi } from "../api.js";
import type { TtySize } from "../attach/resize.js";
import { InvalidOptionError } from "../errors.js";
import type { paths as V141Paths } from "../versions/v1.41.js";
import { execError } from "./errors.js";

/**
 * Resizes the TTY of a running exec instance created with `Tty: true`.
 * @throws `InvalidOptionError` for a size outside 0..65535, `NoSuchExecError`.
 */
export async function resizeExec(
  docker: DockerApi<any>,
  id: string,
  size: TtySize,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  checkTtySize(size);
  try {
    // The answer has no body worth reading; `text` copes with an empty body without a length.
    await (docker as DockerApi<V141Paths>).api.POST("/exec/{id}/resize", {
      params: { path: { id }, query: { h: size.height, w: size.width } },
      parseAs: "text",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw execError(error, id);
  }
}

/** Throws `InvalidOptionError` unless both sides are integers the daemon accepts (uint16). */
export function checkTtySize(size: TtySize): TtySize {
  for (const name of ["height", "width"] as const) {
    const value = size[name];
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new InvalidOptionError(name, "must be an integer from 0 to 65535");
  }
  return size;
}
