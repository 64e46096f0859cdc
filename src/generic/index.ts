/**
 * The generic client: one runtime for the method table `berth generate` writes for any API
 * version. See docs/generic-client.md.
 */
export { createDocker } from "./client.js";
export type { DockerOptions } from "./client.js";
export type {
  ArgsOf,
  BuildContextInput,
  CallOptions as GenericCallOptions,
  Docker,
  DockerBase,
  JsonResultOf,
  LogOptions,
  MethodEntry,
  MethodGroups,
  MethodKind,
  MethodOf,
  MethodTable,
  OptionsOf,
  ParamSpec,
  DefinitionPaths,
  RenamedKey,
  ResultOf,
  SessionOptions,
  TarInput,
  VersionDefinition,
  WaitHealthyOptions,
} from "./types.js";
