/**
 * Folding the JSON progress messages of pull, push and build into progress snapshots.
 *
 * The daemon streams one JSON object per line (moby `pkg/jsonmessage.JSONMessage`):
 * `status` + `id` for a layer ("Pulling fs layer", "Downloading", "Pushing", "Pull complete",
 * "Layer already exists", ...), `progressDetail {current, total}` for byte counts, `stream`
 * for build output, `aux` for results (`{Tag, Digest, Size}` after a push, `{ID}` after a
 * build) and `error` / `errorDetail {code, message}` for a failure, which ends the operation.
 *
 * Per layer the snapshot keeps the last status and the transfer bytes: download bytes for a
 * pull, upload bytes for a push. Extraction bytes are reported in `detail` only, so the overall
 * byte count never runs backwards when a layer moves from downloading to extracting. The
 * daemon reports a push's `total` as the uncompressed layer size while `current` counts the
 * bytes sent, so `current` is clamped to `total` in the byte counts.
 */
import { DockerStreamError } from "../errors.js";

/** One message of a pull, push or build stream, as the daemon sends it. */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number; start?: number };
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/** One layer's progress. */
export interface LayerProgress {
  /** Short layer id as the daemon prints it. */
  readonly id: string;
  /** The last status ("Downloading", "Extracting", "Pushed", ...). */
  readonly status: string;
  /** Bytes transferred (downloaded or pushed); equals `total` once the layer is done. */
  readonly current: number;
  /** Layer size in bytes, once the daemon has said it. */
  readonly total: number | undefined;
  /** True once the layer needs nothing more ("Pull complete", "Already exists", "Pushed", ...). */
  readonly done: boolean;
  /** The last raw byte counts of whatever phase is running (extraction included). */
  readonly detail?: { readonly current: number; readonly total: number | undefined };
}

/** What the operation produced, as far as the stream said. */
export interface ProgressResult {
  /** Manifest digest: from a push's `aux.Digest` or "<tag>: digest: sha256:…", or a pull's "Digest: sha256:…". */
  digest?: string;
  /** Built image id: from `aux.ID`, "Successfully built <id>" or a quiet build's output. */
  imageId?: string;
  /** The pushed tag (`aux.Tag`). */
  tag?: string;
  /** Manifest size in bytes (`aux.Size`). */
  size?: number;
  /** A pull's closing status ("Status: Downloaded newer image for …", "Status: Image is up to date for …"). */
  status?: string;
}

/** The state after one message. */
export interface ProgressSnapshot {
  /** Layers in the order they first appeared. */
  readonly layers: readonly LayerProgress[];
  /** Bytes transferred over all layers. */
  readonly current: number;
  /** Bytes to transfer over the layers whose size is known. */
  readonly total: number;
  readonly layersDone: number;
  readonly layersTotal: number;
  /** The latest line meant for a person: a status without a layer id, or build output. */
  readonly message?: string;
  /** What is known of the result so far; complete on the final snapshot. */
  readonly result: ProgressResult;
  /** True on the last snapshot, after the stream ended without an error. */
  readonly final: boolean;
}

/** Options of `foldProgress`. */
export interface FoldProgressOptions {
  /** Yield only the final snapshot (no per-message snapshots). */
  finalOnly?: boolean | undefined;
}

const DONE_STATUSES = new Set([
  "Pull complete",
  "Already exists",
  "Pushed",
  "Layer already exists",
  // Pulls through the v1 protocol and old daemons.
  "Download complete (already exists)",
]);

/**
 * Folds progress messages into snapshots: one per message, then a final one with the result.
 * @throws DockerStreamError (from the iterator) when a message carries `error`/`errorDetail`;
 *   `detailCode` is `errorDetail.code`.
 */
export async function* foldProgress(
  messages: AsyncIterable<ProgressMessage> | Iterable<ProgressMessage>,
  options: FoldProgressOptions = {},
): AsyncGenerator<ProgressSnapshot, ProgressResult, undefined> {
  const state = new ProgressState();
  for await (const message of messages) {
    state.apply(message);
    if (!options.finalOnly) yield state.snapshot(false);
  }
  yield state.snapshot(true);
  return state.result;
}

/** Drains a progress stream and returns its result. @throws DockerStreamError as `foldProgress`. */
export async function progressResult(messages: AsyncIterable<ProgressMessage> | Iterable<ProgressMessage>): Promise<ProgressResult> {
  let result: ProgressResult = {};
  for await (const snapshot of foldProgress(messages, { finalOnly: true })) result = snapshot.result;
  return result;
}

interface MutableLayer {
  id: string;
  status: string;
  current: number;
  total: number | undefined;
  done: boolean;
  detail?: { current: number; total: number | undefined };
}

/** The fold's state; `apply` one message at a time. */
export class ProgressState {
  private readonly layers = new Map<string, MutableLayer>();
  private message: string | undefined;
  readonly result: ProgressResult = {};

  /** Applies one message. @throws DockerStreamError for an error message. */
  apply(message: ProgressMessage): void {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      // podman ends the message with a newline, which the error would show escaped (a literal backslash-n)
      const text = (message.errorDetail?.message || message.error || "").trimEnd() || "unknown error";
      const code = message.errorDetail?.code;
      throw new DockerStreamError(text, code !== undefined ? { detailCode: code } : undefined);
    }
    if (message.aux !== undefined) this.applyAux(message.aux);
    if (typeof message.stream === "string") this.applyStream(message.stream);
    if (typeof message.status === "string") {
      if (message.id && !isRepositoryLine(message.status)) this.applyLayer(message.id, message.status, message.progressDetail);
      else this.applyStatus(message.status, message.id);
    }
  }

  /** The current state as an immutable snapshot. */
  snapshot(final: boolean): ProgressSnapshot {
    const layers: LayerProgress[] = [];
    let current = 0;
    let total = 0;
    let layersDone = 0;
    for (const layer of this.layers.values()) {
      const copy: LayerProgress = layer.detail
        ? { id: layer.id, status: layer.status, current: layer.current, total: layer.total, done: layer.done, detail: { ...layer.detail } }
        : { id: layer.id, status: layer.status, current: layer.current, total: layer.total, done: layer.done };
      layers.push(copy);
      current += layer.current;
      if (layer.total !== undefined) total += layer.total;
      if (layer.done) layersDone++;
    }
    const snapshot: ProgressSnapshot = {
      layers,
      current,
      total,
      layersDone,
      layersTotal: layers.length,
      result: { ...this.result },
      final,
      ...(this.message !== undefined ? { message: this.message } : {}),
    };
    return snapshot;
  }

  private applyLayer(id: string, status: string, detail: ProgressMessage["progressDetail"]): void {
    let layer = this.layers.get(id);
    if (layer === undefined) {
      layer = { id, status, current: 0, total: undefined, done: false };
      this.layers.set(id, layer);
    }
    layer.status = status;
    const current = typeof detail?.current === "number" ? detail.current : undefined;
    const total = typeof detail?.total === "number" && detail.total > 0 ? detail.total : undefined;
    if (current !== undefined) layer.detail = { current, total };

    if (status === "Downloading" || status === "Pushing") {
      if (total !== undefined) layer.total = total;
      if (current !== undefined) layer.current = layer.total !== undefined ? Math.min(current, layer.total) : current;
    } else if (status === "Download complete" || status === "Verifying Checksum") {
      if (layer.total !== undefined) layer.current = layer.total;
    } else if (status === "Extracting") {
      // Download finished; the transfer bytes stay at the full size.
      if (layer.total === undefined && total !== undefined) layer.total = total;
      if (layer.total !== undefined) layer.current = layer.total;
    }
    if (DONE_STATUSES.has(status) || status.startsWith("Mounted from")) {
      layer.done = true;
      if (layer.total !== undefined) layer.current = layer.total;
    }
  }

  private applyStatus(status: string, id: string | undefined): void {
    this.message = id ? `${id}: ${status}` : status;
    // Push: "<tag>: digest: sha256:<hex> size: <n>"; pull: "Digest: sha256:<hex>".
    const digest = /(?:^|\s)digest: (sha256:[0-9a-f]{64})/i.exec(status);
    if (digest && this.result.digest === undefined) this.result.digest = digest[1]!;
    // The tag and size of a push from that line too, for daemons that send no `aux` after it
    // (podman 4.3); an `aux` result, where there is one, comes later and wins.
    const pushed = /^(\S+): digest: sha256:[0-9a-f]{64} size: (\d+)$/.exec(status);
    if (pushed) {
      this.result.tag ??= pushed[1]!;
      this.result.size ??= Number(pushed[2]!);
    }
    if (status.startsWith("Status: ")) this.result.status = status;
  }

  private applyStream(text: string): void {
    const line = text.trim();
    if (line !== "") this.message = line;
    const built = /^Successfully built ([0-9a-f]{12,64})$/m.exec(text);
    if (built && this.result.imageId === undefined) this.result.imageId = built[1]!;
    // A quiet build (`q=1`) prints only the image id: dockerd as "sha256:<hex>", podman (4.3)
    // the bare hex. Both become the "sha256:" form, so callers see one shape (issue 15).
    const quiet = /^(?:sha256:)?([0-9a-f]{64})\s*$/.exec(text);
    if (quiet) this.result.imageId = `sha256:${quiet[1]!}`;
  }

  private applyAux(aux: unknown): void {
    if (typeof aux !== "object" || aux === null) return;
    const record = aux as Record<string, unknown>;
    if (typeof record["Digest"] === "string") this.result.digest = record["Digest"];
    if (typeof record["Tag"] === "string") this.result.tag = record["Tag"];
    if (typeof record["Size"] === "number") this.result.size = record["Size"];
    // The full id beats the short one "Successfully built" gives.
    if (typeof record["ID"] === "string") this.result.imageId = record["ID"];
  }
}

/** Statuses that carry an id which is a tag or repository, not a layer ("Pulling from library/busybox" with id "latest"). */
function isRepositoryLine(status: string): boolean {
  return status.startsWith("Pulling from ") || status.startsWith("Pulling repository") || status.startsWith("Pulling image");
}
