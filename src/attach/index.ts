/**
 * Attach and the hijack seam it is built on.
 */
export { attachToContainer, MULTIPLEXED_STREAM_CONTENT_TYPE, RAW_STREAM_CONTENT_TYPE } from "./attach.js";
export type { AttachOptions } from "./attach.js";
export { hijack } from "./hijack.js";
export type { HijackClient, HijackedConnection, HijackRequest } from "./hijack.js";
export type { ByteSink, ByteSource, NodeReadableLike, NodeWritableLike } from "./io.js";
export type { AttachNodeStreams } from "./node-streams.js";
export { resizeContainerTTY } from "./resize.js";
export type { TtySize } from "./resize.js";
export { AttachSession, DEFAULT_SPLIT_HIGH_WATER_MARK } from "./session.js";
export type { AttachKind } from "./session.js";
