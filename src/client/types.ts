/**
 * Friendly names for the generated v1.10 types the client takes and returns (the Go
 * package's type names where they are not too generic), and the shapes after
 * normalization (normalize.ts): one spelling per field whatever the daemon's version, lists
 * that are never null, and `[key: string]: unknown` for the fields newer daemons add, which
 * are kept as they came.
 *
 * Nothing here restates a generated type: each alias picks, narrows or widens one. The only
 * file besides the client wiring that imports `generated/`.
 */
import type { components, paths } from "../../generated/v1.10/index.js";
import type { operations as OperationsV141, paths as PathsV141 } from "../../generated/v1.41/index.js";

type Schemas = components["schemas"];

/** Fields the v1.10 description does not list: newer daemons send (and accept) many more. */
export type ExtraFields = { [key: string]: unknown };

/** The v1.10 paths the client is typed against. */
export type DockerPaths = paths;

/** Endpoints from later API versions the client uses where the v1.10 call is gone (see compat.ts). */
export type LaterPaths = Pick<PathsV141, "/containers/{id}/archive">;

/** Container configuration (Go `Config`): the create body, and `Config` of inspect results. */
export type ContainerConfig = Schemas["Config"] & ExtraFields;

/** Host configuration (Go `HostConfig`). Newer fields (`NetworkMode`, ...) are passed through. */
export type HostConfig = Schemas["HostConfig"] & ExtraFields;

/** The body of `createContainer`: a configuration that names its image. */
export type CreateContainerConfig = ContainerConfig & { Image: string };

/** Host side of a port binding (Go `PortBinding`). */
export type PortBinding = Schemas["PortBinding"];

/** Run state of a container (Go `State`). */
export type ContainerState = Schemas["State"] & ExtraFields;

/**
 * Network settings (Go `NetworkSettings`). Normalized to the `IPAddress` / `IPPrefixLen`
 * spelling; the docs' `IpAddress` / `IpPrefixLen` are moved there.
 */
export type NetworkSettings = Omit<Schemas["NetworkSettings"], "IpAddress" | "IpPrefixLen"> & ExtraFields;

/** An inspected container (Go `Container`). Normalized: `Id` always set (old daemons sent `ID`). */
export type Container = Omit<Schemas["Container"], "Id" | "ID" | "Config" | "HostConfig" | "State" | "NetworkSettings"> & {
  Id: string;
  Config?: ContainerConfig;
  HostConfig?: HostConfig;
  State?: ContainerState;
  NetworkSettings?: NetworkSettings;
} & ExtraFields;

/** A port of a listed container (Go `APIPort`). */
export type APIPort = Schemas["APIPort"];

/** A listed container (Go `APIContainers`). Normalized: `Ports` and `Names` are always lists. */
export type APIContainers = Omit<Schemas["APIContainers"], "Ports" | "Names"> & {
  Ports: (APIPort & ExtraFields)[];
  Names: string[];
} & ExtraFields;

/** The answer of `createContainer`. Normalized: `Warnings` is always a list. */
export type ContainerCreateResult = Omit<Schemas["ContainerCreateResponse"], "Warnings"> & { Warnings: string[] } & ExtraFields;

/** The process table of `topContainer`. */
export type ContainerTop = Schemas["ContainerTopResponse"] & ExtraFields;

/** The answer of `commitContainer`: the new image's id. */
export type ContainerCommitResult = Schemas["ContainerCommitResponse"] & ExtraFields;

/** One changed path (Go `Change`); `Kind` is a `ChangeType`. */
export type Change = Schemas["Change"] & ExtraFields;

/**
 * An inspected image (Go `Image`), in the v1.10 spelling whatever the daemon sent: `id`,
 * `parent`, `container_config`, ... (daemons from API 1.12 send `Id`, `Parent`,
 * `ContainerConfig`, ...; those are renamed). Fields only newer daemons send (`RepoTags`,
 * `Os`, ...) keep their own names.
 */
export type Image = Omit<Schemas["Image"], "config" | "container_config"> & {
  config?: ContainerConfig | null;
  container_config?: ContainerConfig;
} & ExtraFields;

/** A listed image (Go `APIImages`). Normalized: `RepoTags` is a list without the `<none>:<none>` placeholder. */
export type APIImages = Omit<Schemas["APIImages"], "RepoTags"> & { RepoTags: string[] } & ExtraFields;

/** One layer of `imageHistory`. */
export type ImageHistoryEntry = Schemas["ImageHistoryEntry"] & ExtraFields;

/** One hit of `searchImages`. Normalized: `is_trusted` also carries the later `is_automated`. */
export type ImageSearchResult = Schemas["ImageSearchResult"] & ExtraFields;

/** One step of `removeImage`: `Untagged` or `Deleted`. */
export type ImageDeleteResponseItem = Schemas["ImageDeleteResponseItem"] & ExtraFields;

/**
 * One message of a build, pull, push, import or load stream. `aux` is how daemons from API
 * 1.2x report results (a build's `{ID}`, a push's `{Tag, Digest, Size}`).
 */
export type ProgressMessage = Schemas["ProgressMessage"] & { aux?: unknown } & ExtraFields;

/** Registry credentials (Go `AuthConfiguration`), sent base64-encoded in `X-Registry-Auth`. */
export type AuthConfiguration = Schemas["AuthConfig"] & ExtraFields;

/** System-wide information (`info`). */
export type DockerInfo = Schemas["Info"] & ExtraFields;

/** Daemon version (`version`). Newer daemons add `ApiVersion`, `MinAPIVersion`, `Os`, ... */
export type DockerVersion = Schemas["Version"] & ExtraFields;

/** The answer of `checkAuth`. v1.10 daemons answer with no body, newer ones with `Status` (and a token). */
export type AuthCheckResult = Partial<OperationsV141["SystemAuth"]["responses"][200]["content"]["application/json"]> & ExtraFields;
