#!/usr/bin/env node
// Checks a generated OpenAPI document against a live Docker daemon: calls a set of endpoints,
// validates every JSON body with the zod schemas generated from the document, and checks the
// response media types. This is how the patches in overlays/docker-engine-api.yaml are verified.
//
//   node scripts/generate/verify-daemon.mjs [--socket /tmp/bd/docker.sock] [--spec FILE] [--version 1.41] [--no-overlay]
//                                           [--call-version X.Y]
//
// `--call-version`: the API version in the request paths, when the document is newer than the
// daemon (e.g. the v1.56 types checked against Docker 20.10's answers at /v1.41: what a client
// typed for 1.56 sees after negotiating down). Default: the document's version.
//
// It creates (and removes again) a busybox-based image, a container, an exec instance, a network
// and a volume, all named "berth-verify-<random>"; nothing else on the daemon is touched.
// Needs /usr/bin/busybox (statically linked) and tar.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildDocument } from "./spec.mjs";
import { defaultOverlay, repoRoot } from "./pipeline.mjs";
import { generateZodModule } from "./zod.mjs";

const { values: opts } = parseArgs({
  options: {
    socket: { type: "string", default: "/tmp/bd/docker.sock" },
    spec: { type: "string", default: path.resolve(repoRoot, "vendor/moby-api/v1.41.yaml") },
    version: { type: "string" },
    "no-overlay": { type: "boolean", default: false },
    busybox: { type: "string", default: "/usr/bin/busybox" },
    "call-version": { type: "string" },
  },
});

const { doc, apiVersion } = await buildDocument({
  source: opts.spec,
  version: opts.version,
  overlay: opts["no-overlay"] ? null : defaultOverlay,
});
const prefix = `/v${opts["call-version"] ?? apiVersion}`;

// ---- zod schemas for components + every operation's responses ---------------------------------
/** @type {Map<string, { op: any, path: string, method: string }>} */
const ops = new Map();
const extra = {};
for (const [p, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op?.operationId) continue;
    ops.set(op.operationId, { op, path: p, method });
    for (const [status, resp] of Object.entries(op.responses ?? {})) {
      for (const [mt, media] of Object.entries(resp.content ?? {})) {
        if (media.schema) extra[`__${op.operationId}__${status}__${mt}`] = media.schema;
      }
    }
  }
}
const tmp = mkdtempSync(path.join(os.tmpdir(), "berth-verify-"));
const modFile = path.join(tmp, "zod.mjs");
writeFileSync(
  modFile,
  generateZodModule({ ...doc.components.schemas, ...extra }, { typescript: false, zodImport: import.meta.resolve("zod"), root: doc }),
);
const { schemas } = await import(pathToFileURL(modFile).href);

// ---- HTTP over the unix socket ----------------------------------------------------------------
/** `cutAfterMs`: for endless streams, stop reading after that long and return what arrived. */
function call(method, urlPath, { body, headers = {}, timeoutMs = 30_000, cutAfterMs } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const h = { ...headers };
    if (payload && !h["Content-Type"]) h["Content-Type"] = "application/json";
    if (payload) h["Content-Length"] = String(payload.length);
    const req = http.request({ socketPath: opts.socket, method, path: `${prefix}${urlPath}`, headers: h, timeout: timeoutMs }, (res) => {
      const chunks = [];
      const done = () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
      res.on("data", (c) => chunks.push(c));
      res.on("end", done);
      if (cutAfterMs)
        setTimeout(() => {
          done();
          req.destroy();
        }, cutAfterMs);
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${urlPath}`)));
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// ---- checking -------------------------------------------------------------------------------
const results = [];
const mediaOf = (res) =>
  String(res.headers["content-type"] ?? "")
    .split(";")[0]
    .trim();
function record(ok, what, detail = "") {
  results.push({ ok, what, detail });
  console.log(`${ok ? "✓" : "✗"} ${what}${detail ? `\n    ${detail.replace(/\n/g, "\n    ")}` : ""}`);
}
const fmtIssues = (issues) =>
  issues
    .slice(0, 8)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("\n");

/**
 * Validates a response against the document: the status must be declared, the media type must be
 * declared (when there is a body), JSON bodies must parse and validate, JSON streams are split.
 */
function check(operationId, res, { stream = false, untypedAs } = {}) {
  const entry = ops.get(operationId);
  const what = `${operationId} ${entry?.method.toUpperCase()} ${entry?.path} → ${res.status} ${mediaOf(res) || "(no content-type)"}`;
  if (!entry) return record(false, what, "operation not in the document");
  const resp = entry.op.responses[String(res.status)] ?? entry.op.responses.default;
  if (!resp) return record(false, what, `status ${res.status} not declared (declared: ${Object.keys(entry.op.responses).join(", ")})`);
  // `untypedAs`: a media type to assume when the daemon sends no Content-Type (streaming stats).
  const mt = mediaOf(res) || untypedAs || "";
  const content = resp.content ?? {};
  if (res.body.length === 0 && Object.keys(content).length === 0) return record(true, what);
  // HTTP: a body without Content-Type may be treated as application/octet-stream.
  if (!mt) {
    const ok = "application/octet-stream" in content;
    return record(
      ok,
      what,
      ok
        ? `${res.body.length} bytes (untyped, declared application/octet-stream)`
        : `response has no Content-Type; declared: ${Object.keys(content).join(", ") || "nothing"}`,
    );
  }
  if (!(mt in content))
    return record(false, what, `media type ${mt} not declared (declared: ${Object.keys(content).join(", ") || "no content"})`);
  const media = content[mt];
  if (!/json/.test(mt)) return record(true, what, `${res.body.length} bytes`);
  const key = `__${operationId}__${res.status in entry.op.responses ? res.status : "default"}__${mt}`;
  const declaredStream = ["json-lines", "json-stream"].includes(entry.op["x-berth-stream"]) && res.status >= 200 && res.status < 300;
  if (stream !== declaredStream)
    record(
      false,
      `${what} [stream]`,
      `body is ${stream ? "" : "not "}a JSON stream but x-berth-stream is ${entry.op["x-berth-stream"] ?? "absent"}`,
    );
  if (stream) {
    const lines = res.body
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim());
    const itemSchema = schemas[key];
    if (!itemSchema) return record(false, what, `JSON stream of ${lines.length} values but no schema`);
    const bad = [];
    for (const l of lines) {
      const r = itemSchema.safeParse(JSON.parse(l));
      if (!r.success) bad.push(`${l.slice(0, 200)}\n  ${fmtIssues(r.error.issues)}`);
    }
    return record(bad.length === 0, `${what} (${lines.length} stream items)`, bad.slice(0, 3).join("\n"));
  }
  let json;
  try {
    json = JSON.parse(res.body.toString("utf8"));
  } catch (e) {
    return record(false, what, `body is not one JSON value: ${e.message}: ${res.body.toString("utf8").slice(0, 200)}`);
  }
  const schema = schemas[key];
  if (!schema) return record(true, what, "no schema declared");
  const r = schema.safeParse(json);
  return record(r.success, what, r.success ? "" : `${fmtIssues(r.error.issues)}\n${JSON.stringify(json).slice(0, 300)}`);
}

const expectStatus = (res, ...codes) => {
  if (!codes.includes(res.status)) throw new Error(`unexpected ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
  return res;
};

// ---- scenario -------------------------------------------------------------------------------
const name = `berth-verify-${randomBytes(4).toString("hex")}`;
const image = `${name}:latest`;
const cleanup = [];
const started = Math.floor(Date.now() / 1000) - 1;
try {
  check("SystemPing", await call("GET", "/_ping"));
  check("SystemVersion", await call("GET", "/version"));
  check("SystemInfo", await call("GET", "/info"));

  // An image from a busybox rootfs (POST /images/create?fromSrc=-).
  const rootfs = path.join(tmp, "rootfs");
  mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  copyFileSync(opts.busybox, path.join(rootfs, "bin", "busybox"));
  for (const tool of ["sh", "sleep", "echo", "cat", "true", "false", "ls"]) symlinkSync("busybox", path.join(rootfs, "bin", tool));
  const tar = execFileSync("tar", ["-C", rootfs, "-cf", "-", "."], { maxBuffer: 64 << 20 });
  const created = await call("POST", `/images/create?fromSrc=-&repo=${name}&tag=latest`, {
    body: tar,
    headers: { "Content-Type": "application/x-tar" },
  });
  cleanup.push(() => call("DELETE", `/images/${image}?force=1`));
  check("ImageCreate", expectStatus(created, 200), { stream: true });
  const createdErr = await call("POST", `/images/create?fromImage=${name}-missing&tag=latest`);
  check("ImageCreate", createdErr, { stream: createdErr.status === 200 });

  check("ImageList", await call("GET", "/images/json"));
  check("ImageInspect", await call("GET", `/images/${image}/json`));
  check("ImageHistory", await call("GET", `/images/${image}/history`));
  check("ImageInspect", await call("GET", `/images/${name}-missing/json`));
  check("ImageTag", await call("POST", `/images/${image}/tag?repo=${name}&tag=second`));

  // A build (classic builder) from a tiny context: JSON stream of BuildInfo.
  const ctx = path.join(tmp, "ctx");
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, "Dockerfile"), `FROM ${image}\nRUN echo built > /built\nLABEL berth.verify=1\n`);
  const ctxTar = execFileSync("tar", ["-C", ctx, "-cf", "-", "."]);
  const build = await call("POST", `/build?t=${name}:built&rm=1&forcerm=1`, {
    body: ctxTar,
    headers: { "Content-Type": "application/x-tar" },
    timeoutMs: 120_000,
  });
  cleanup.push(() => call("DELETE", `/images/${name}:built?force=1`));
  check("ImageBuild", build, { stream: true });

  // A container with a healthcheck, so State.Health is present.
  const cc = await call("POST", `/containers/create?name=${name}`, {
    body: {
      Image: image,
      Cmd: ["sh", "-c", "echo out; echo err >&2; sleep 60"],
      Healthcheck: { Test: ["CMD", "true"], Interval: 500_000_000, Timeout: 1_000_000_000, Retries: 1 },
      Labels: { "berth.verify": "1" },
      HostConfig: { NetworkMode: "none" },
    },
  });
  check("ContainerCreate", expectStatus(cc, 201));
  const id = JSON.parse(cc.body.toString()).Id;
  cleanup.push(() => call("DELETE", `/containers/${id}?force=1&v=1`));
  check("ContainerInspect", await call("GET", `/containers/${id}/json`)); // created, not started
  check("ContainerStart", await call("POST", `/containers/${id}/start`));
  check("ContainerStart", await call("POST", `/containers/${id}/start`)); // 304
  await new Promise((r) => setTimeout(r, 1500));
  check("ContainerInspect", await call("GET", `/containers/${id}/json?size=1`));
  check("ContainerInspect", await call("GET", `/containers/${name}-missing/json`));
  check(
    "ContainerList",
    await call("GET", `/containers/json?all=1&size=1&filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`),
  );
  check("ContainerTop", await call("GET", `/containers/${id}/top`));
  check("ContainerChanges", await call("GET", `/containers/${id}/changes`));
  check("ContainerStats", await call("GET", `/containers/${id}/stats?stream=false`), { stream: true });
  check("ContainerStats", await call("GET", `/containers/${id}/stats`, { cutAfterMs: 2500 }), {
    stream: true,
    untypedAs: "application/json",
  });
  check("ContainerLogs", await call("GET", `/containers/${id}/logs?stdout=1&stderr=1`));
  check("ContainerLogs", await call("GET", `/containers/${name}-missing/logs?stdout=1`));

  // Exec: create, start (hijacked raw stream), inspect.
  const ex = await call("POST", `/containers/${id}/exec`, { body: { Cmd: ["echo", "hello"], AttachStdout: true, AttachStderr: true } });
  check("ContainerExec", expectStatus(ex, 201));
  const execId = JSON.parse(ex.body.toString()).Id;
  check("ExecStart", await call("POST", `/exec/${execId}/start`, { body: { Detach: false, Tty: false } }));
  check("ExecInspect", await call("GET", `/exec/${execId}/json`));
  check("ExecStart", await call("POST", `/exec/${name}-missing/start`, { body: { Detach: false, Tty: false } }));
  check("ContainerAttach", await call("POST", `/containers/${name}-missing/attach?stream=1&stdout=1`));
  check("ContainerAttach", await call("POST", `/containers/${id}/attach?stream=1&stdout=1&detachKeys=ctrl-`)); // 400
  check("ContainerAttach", await call("POST", `/containers/${id}/attach?logs=1&stream=0&stdout=1&stderr=1`));

  const ex2 = await call("POST", `/containers/${id}/exec`, { body: { Cmd: ["true"] } });
  const exec2Id = JSON.parse(ex2.body.toString()).Id;

  // Wait: kill and wait for the exit.
  check("ContainerKill", await call("POST", `/containers/${id}/kill`));
  check("ExecStart", await call("POST", `/exec/${exec2Id}/start`, { body: { Detach: false, Tty: false } })); // 409: not running
  check("ContainerWait", await call("POST", `/containers/${id}/wait`));
  check("ContainerWait", await call("POST", `/containers/${id}/wait?condition=bogus`));
  check("ContainerInspect", await call("GET", `/containers/${id}/json`)); // exited
  check("ImageCommit", await call("POST", `/commit?container=${id}&repo=${name}&tag=committed`));
  cleanup.push(() => call("DELETE", `/images/${name}:committed?force=1`));

  // Networks and volumes.
  const net = await call("POST", "/networks/create", {
    body: { Name: `${name}-net`, Driver: "bridge", Internal: true, Labels: { "berth.verify": "1" } },
  });
  check("NetworkCreate", net);
  if (net.status === 201) {
    const netId = JSON.parse(net.body.toString()).Id;
    cleanup.push(() => call("DELETE", `/networks/${netId}`));
    check("NetworkInspect", await call("GET", `/networks/${netId}`));
  }
  check("NetworkList", await call("GET", "/networks"));
  check("NetworkInspect", await call("GET", "/networks/none"));
  const plainNet = await call("POST", "/networks/create", { body: { Name: `${name}-plain`, Driver: "bridge", Internal: true } });
  check("NetworkCreate", plainNet);
  if (plainNet.status === 201) {
    const netId = JSON.parse(plainNet.body.toString()).Id;
    cleanup.push(() => call("DELETE", `/networks/${netId}`));
    check("NetworkInspect", await call("GET", `/networks/${netId}`)); // no labels, no options
  }
  const vol = await call("POST", "/volumes/create", { body: { Name: `${name}-vol`, Labels: { "berth.verify": "1" } } });
  check("VolumeCreate", vol);
  cleanup.push(() => call("DELETE", `/volumes/${name}-vol`));
  // Without labels: Docker 20.10 answers "Labels": null.
  check("VolumeCreate", await call("POST", "/volumes/create", { body: { Name: `${name}-bare` } }));
  cleanup.push(() => call("DELETE", `/volumes/${name}-bare`));
  check("VolumeInspect", await call("GET", `/volumes/${name}-bare`));
  // A container with a bind and a volume mount, so /system/df reports volume usage.
  const bound = await call("POST", `/containers/create?name=${name}-binds`, {
    body: { Image: image, Cmd: ["true"], HostConfig: { Binds: [`${name}-vol:/data`, `${tmp}:/host:ro`], NetworkMode: "none" } },
  });
  check("ContainerCreate", expectStatus(bound, 201));
  const boundId = JSON.parse(bound.body.toString()).Id;
  cleanup.push(() => call("DELETE", `/containers/${boundId}?force=1`));
  check("ContainerInspect", await call("GET", `/containers/${boundId}/json`));
  check("ContainerList", await call("GET", `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`));
  check("VolumeList", await call("GET", "/volumes"));
  check("VolumeInspect", await call("GET", `/volumes/${name}-vol`));

  check("SystemDataUsage", await call("GET", "/system/df"));
  check("PluginList", await call("GET", "/plugins"));
  check("SwarmInspect", await call("GET", "/swarm"));
  check("ServiceList", await call("GET", "/services"));

  const until = Math.floor(Date.now() / 1000) + 1;
  check(
    "SystemEvents",
    await call(
      "GET",
      `/events?since=${started}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ label: ["berth.verify=1"] }))}`,
    ),
    { stream: true },
  );

  // Removal.
  check("ContainerDelete", await call("DELETE", `/containers/${id}?force=1`));
  check("ImageDelete", await call("DELETE", `/images/${name}:second`));
} finally {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
