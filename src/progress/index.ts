/**
 * Pull, push and build progress as data.
 */
export { ProgressState, foldProgress, progressResult } from "./fold.js";
export type { FoldProgressOptions, LayerProgress, ProgressMessage, ProgressResult, ProgressSnapshot } from "./fold.js";
