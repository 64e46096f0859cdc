/**
 * The swarm layer's pure parts: the log line prefix, convergence snapshots, the daemon's
 * timestamps, and the mapping of the daemon's "cannot serve cluster requests" answers.
 */
import { describe, expect, it } from "vitest";
import { DockerApiError } from "../../src/errors.js";
import { progressOf, timeKey } from "../../src/swarm/converge.js";
import { swarmError, SwarmUnavailableError } from "../../src/swarm/errors.js";
import { parseLogLine } from "../../src/swarm/logs.js";
import type { Service, Task } from "../../src/swarm/types.js";

describe("service log lines", () => {
  it("splits the timestamp, the detail attributes and the text", () => {
    const line = parseLogLine(
      "stderr",
      "2026-12-04T21:39:31.016577359Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1,extra=a%20b hello world",
      true,
    );
    expect(line).toMatchObject({
      stream: "stderr",
      text: "hello world",
      timestamp: "2026-12-04T21:39:31.016577359Z",
      nodeId: "n1",
      serviceId: "s1",
      taskId: "t1",
    });
    expect(line.details["extra"]).toBe("a b");
  });

  it("keeps a line without attributes (a log driver without details) whole, and empty text after the attributes", () => {
    expect(parseLogLine("stdout", "plain text here", false)).toMatchObject({ text: "plain text here", taskId: undefined });
    expect(parseLogLine("stdout", "com.docker.swarm.task.id=t1 ", false)).toMatchObject({ text: "", taskId: "t1" });
  });
});

describe("timeKey", () => {
  it("orders Go's RFC 3339 timestamps whatever number of fraction digits they have", () => {
    expect(timeKey("2026-12-04T21:39:31.0165Z") < timeKey("2026-12-04T21:39:31.016577359Z")).toBe(true);
    expect(timeKey("2026-12-04T21:39:31Z") < timeKey("2026-12-04T21:39:31.000000001Z")).toBe(true);
    expect(timeKey(undefined)).toBe("");
  });
});

function task(slot: number, state: string, desired = "running", created = "2026-01-01T00:00:00Z"): Task {
  return {
    ID: `t${slot}-${state}`,
    Slot: slot,
    NodeID: `n${slot}`,
    DesiredState: desired as Task["DesiredState"],
    CreatedAt: created,
    Status: { State: state as never },
  };
}

describe("convergence snapshots", () => {
  const service: Service = { ID: "s", Spec: { Name: "web", Mode: { Replicated: { Replicas: 2 } } }, UpdatedAt: "2026-01-01T00:00:00Z" };

  it("is converged when every wanted replica runs, ignoring tasks being shut down", () => {
    const p = progressOf(service, [task(1, "running"), task(2, "running"), task(3, "running", "shutdown")], {}, 5);
    expect(p).toMatchObject({ desired: 2, running: 2, converged: true, mode: "replicated" });
  });

  it("takes the newest task of a slot and is not converged while it starts", () => {
    const p = progressOf(
      service,
      [task(1, "running"), task(2, "running"), { ...task(2, "preparing", "running", "2026-01-01T00:00:05Z") }],
      {},
      5,
    );
    expect(p.replicas.find((r) => r.slot === 2)?.state).toBe("preparing");
    expect(p.converged).toBe(false);
  });

  it("waits for an update that started after the given time, not an older one", () => {
    const tasks = [task(1, "running"), task(2, "running")];
    const old = { ...service, UpdateStatus: { State: "completed" as const, StartedAt: "2026-01-01T00:00:00Z" } };
    expect(progressOf(old, tasks, { updateSince: "2026-01-01T00:00:01Z" }, 0).converged).toBe(false);
    const fresh = { ...service, UpdateStatus: { State: "completed" as const, StartedAt: "2026-01-01T00:00:01.5Z" } };
    expect(progressOf(fresh, tasks, { updateSince: "2026-01-01T00:00:01Z" }, 0)).toMatchObject({
      converged: true,
      updateState: "completed",
    });
  });
});

describe("swarmError", () => {
  const api = (status: number, message: string) =>
    new DockerApiError(status, message, { request: { method: "GET", path: "/v1.41/nodes" } });

  it("names a worker, a node outside any swarm and a swarm without leader", () => {
    expect(
      swarmError(api(503, "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state.")),
    ).toMatchObject({
      reason: "not-a-manager",
    });
    expect(
      swarmError(
        api(
          503,
          'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
        ),
      ),
    ).toMatchObject({ reason: "not-in-swarm" });
    const noLeader = swarmError(
      api(500, "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online."),
    );
    expect(noLeader).toBeInstanceOf(SwarmUnavailableError);
    expect(noLeader).toMatchObject({ reason: "no-leader", status: 500, code: "ERR_SWARM_UNAVAILABLE" });
  });

  it("passes other errors through", () => {
    const notFound = api(404, "service x not found");
    expect(swarmError(notFound)).toBe(notFound);
    const plain = new Error("x");
    expect(swarmError(plain)).toBe(plain);
  });
});
