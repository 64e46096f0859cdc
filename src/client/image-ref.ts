/**
 * Splitting image references (`[host[:port]/]path[:tag][@digest]`) into the repository and
 * the tag or digest, which pull and push send separately.
 */

/** A reference split in parts. */
export interface ImageRef {
  /** Everything before the tag or digest: `registry:5000/team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits a reference; the tag is the part after the last `:` that follows the last `/`. */
export function splitImageRef(reference: string): ImageRef {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  const slash = rest.lastIndexOf("/");
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** True if the first path component names a registry host (has a `.` or `:`, or is `localhost`). */
export function hasRegistryHost(repository: string): boolean {
  const slash = repository.indexOf("/");
  if (slash === -1) return false;
  const first = repository.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** `registry/repository` unless the repository already starts with that registry. */
export function withRegistry(repository: string, registry: string | undefined): string {
  if (!registry) return repository;
  const host = registry.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  return repository.startsWith(`${host}/`) ? repository : `${host}/${repository}`;
}
