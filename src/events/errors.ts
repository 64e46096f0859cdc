/**
 * The event monitor's own failure modes, with the Go client's messages (`ErrListenerAlreadyExists`,
 * `ErrNoListeners`).
 */
import { DockerAbortError, DockerError } from "../errors.js";

/** `addEventListener` was given a listener that is already registered. Go: `ErrListenerAlreadyExists`. */
export class ListenerAlreadyExistsError extends DockerError {
  override name = "ListenerAlreadyExistsError";
  override readonly code = "ERR_LISTENER_ALREADY_EXISTS";
  constructor() {
    super("listener already exists for docker events");
  }
}

/**
 * There is no listener to receive events. Go: `ErrNoListeners`, which the Go monitor returns
 * when it has an event and nobody to send it to. berth stops the stream instead of reading
 * events nobody receives, so this is the reason the events connection is cancelled with when
 * the last listener leaves, and what `EventMonitor.ready()` rejects with while (or once) no
 * listener is registered.
 */
export class NoListenersError extends DockerError {
  override name = "NoListenersError";
  override readonly code = "ERR_NO_LISTENERS";
  constructor() {
    super("no listeners present to receive event");
  }
}

/** The event monitor was closed (directly, or through its client's lifetime signal). */
export class EventMonitorClosedError extends DockerAbortError {
  override name = "EventMonitorClosedError";
  constructor(options?: { cause?: unknown }) {
    super(options);
    this.message = "the Docker event monitor is closed";
  }
}
