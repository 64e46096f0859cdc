/**
 * The manifest digest of a pull whose stream named none.
 *
 * dockerd ends a pull with `Digest: sha256:…` and `Status: …`; podman 4.3 sends the layer lines
 * only (docs/podman.md). The digest is still known to the daemon: the pulled image's
 * `RepoDigests` hold `<repository>@sha256:…`. When exactly one digest there belongs to the
 * pulled repository, that is the pull's digest; otherwise (none, or several for one repository)
 * the result leaves it unset rather than guess.
 */
import type { DockerApi } from "../api.js";
import { DockerAbortError } from "../errors.js";

/** A repository as both daemons may spell it: podman qualifies Docker Hub names (`docker.io/library/app`). */
function canonicalRepository(repository: string): string {
  return repository.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\//, "");
}

/** The digests in `RepoDigests` entries (`reg/app@sha256:…`) that belong to `repository`, each once. */
export function digestsOfRepository(repoDigests: readonly string[] | null | undefined, repository: string): string[] {
  const wanted = canonicalRepository(repository);
  const digests = new Set<string>();
  for (const entry of repoDigests ?? []) {
    const at = entry.lastIndexOf("@");
    if (at <= 0) continue;
    const digest = entry.slice(at + 1);
    if (/^sha256:[0-9a-f]{64}$/.test(digest) && canonicalRepository(entry.slice(0, at)) === wanted) digests.add(digest);
  }
  return [...digests];
}

/**
 * The digest of `image` (the reference pulled, `repository:tag`) from its `RepoDigests`, or
 * undefined. A failed lookup leaves the pull's result as it was (the pull itself succeeded);
 * an abort is passed on.
 */
export async function pulledDigest(
  core: DockerApi<any>,
  image: string,
  repository: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const { data } = await core.api.GET("/images/{name}/json", {
      params: { path: { name: image } },
      ...(signal ? { signal } : {}),
    });
    const found = digestsOfRepository((data as { RepoDigests?: string[] | null } | undefined)?.RepoDigests, repository);
    return found.length === 1 ? found[0] : undefined;
  } catch (error) {
    if (signal?.aborted || error instanceof DockerAbortError) throw error;
    return undefined;
  }
}
