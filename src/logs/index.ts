/**
 * Container logs through a client of any API version that has them.
 */
export { ContainerLogStream } from "./log-stream.js";
export { containerLogs, formatLogTime, readContainerLogs } from "./logs.js";
export type { ContainerLogsOptions, LogsPaths, LogTime } from "./logs.js";
