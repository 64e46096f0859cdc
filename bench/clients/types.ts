/**
 * What every contender implements, so that each scenario is written once and run for berth,
 * the peers and the raw limit alike. A client that cannot do an operation says why in
 * `unsupported` instead of being left out silently.
 */

/**
 * The contenders. `raw` is the practical limit (bench/lib/raw-http.ts); `berth-api` is berth's
 * low-level client alone (not run by default, see clients/berth.ts).
 */
export type ClientName = "berth" | "berth-api" | "berth-generic" | "dockerode" | "node-sdk" | "raw";

/** The operations the scenarios use. */
export type Operation = "ping" | "inspect" | "lifecycle" | "export" | "logs" | "attach";

/** One Docker client, as the scenarios drive it. */
export interface BenchClient {
  readonly name: ClientName;
  /** The library version (or runtime version for raw). */
  readonly version: string;
  /** What this client does not do (here), with the reason. */
  readonly unsupported: Partial<Record<Operation, string>>;
  /** Caveats a reader of the numbers must know (e.g. "not demultiplexed"), per operation. */
  readonly notes: Partial<Record<Operation, string>>;
  /** `GET /_ping` (or the client's ping). */
  ping(): Promise<unknown>;
  /** Inspect a container; resolves with the decoded answer. */
  inspect(id: string): Promise<unknown>;
  /** Create (named `name`), start, wait for, and remove a container. */
  lifecycle(spec: Record<string, unknown>, name: string): Promise<void>;
  /** Reads a container's export tar to the end; resolves with the bytes read. */
  exportContainer(id: string): Promise<number>;
  /** Reads a stopped container's logs, demultiplexed, to the end; resolves with the payload bytes. */
  logs(id: string): Promise<number>;
  /** Attaches to a created container, calls `start` once attached, reads to the end; resolves with the payload bytes. */
  attach(id: string, start: () => Promise<void>): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The part of an event every contender reports. */
export interface SeenEvent {
  /** Lower-case object type (`volume`). */
  type: string;
  action: string;
  actorId: string;
}

/** One way to deliver daemon events to many listeners. */
export interface EventContender {
  /** Row label, e.g. `berth EventMonitor` or `dockerode getEvents per listener`. */
  readonly label: string;
  readonly client: ClientName;
  /** Listener counts this contender is not run at, with the reason. */
  skip(listeners: number): string | undefined;
  /**
   * Registers `listeners` listeners for volume events; `onEvent(i, event)` is called by
   * listener `i`. Resolves when the registration calls returned (not necessarily connected:
   * the scenario proves delivery with warm-up events). The returned function removes them all.
   */
  subscribe(listeners: number, onEvent: (listener: number, event: SeenEvent) => void): Promise<() => Promise<void>>;
}
