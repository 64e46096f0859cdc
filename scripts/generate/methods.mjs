// The method table of one API version: every operation of the document as a named method of the
// generic client (src/generic/), with what the runtime needs to call it.
//
// Naming rule (docs/generic-client.md states it for users):
//   group  = the operation's first tag (without one: the operationId's first word), lower-cased, plus "s" (Container → containers), except
//            the tags in SINGULAR_GROUPS, which keep their singular name (exec, system, swarm,
//            distribution, session);
//   method = the operationId with the tag's word removed (its first occurrence), camel-cased
//            (ContainerCreate → containers.create, PutContainerArchive → containers.putArchive,
//            SystemDataUsage → system.dataUsage); when nothing remains, the operationId itself,
//            camel-cased (Session → session.session); an id that ends with its tag's word after
//            another word creates such an object: `create` (ContainerExec → exec.create).
//   A parameter named `signal` or `body` (taken by the call's AbortSignal and request body) is
//   passed as `<in><Name>`: ContainerKill's query `signal` is `querySignal`.
//
// What the document cannot say (progress streams, byte streams, tar inputs, hijacked
// connections, log demultiplexing, the events multiplexer, waits) comes from the overlay's
// `x-berth-kinds` section: operationId → { kind, input?, extra? }, applied to every version.

import { isPlainObject } from "./util.mjs";

/** Tags whose group keeps the singular name. */
export const SINGULAR_GROUPS = new Set(["exec", "system", "swarm", "distribution", "session"]);
/** Option names the call itself uses. */
export const RESERVED_OPTIONS = new Set(["signal", "body"]);
/** Runtime kinds an operation can have (src/generic/kinds.ts implements each). */
export const KINDS = new Set(["json", "progress", "bytes", "hijack", "logs", "events", "wait", "json-stream", "upgrade"]);
/** Request inputs a kind can add to the body. */
export const INPUTS = new Set(["tar", "build-context"]);
/** Extra methods a kind entry can add next to the operation's own. */
export const EXTRAS = new Set(["waitHealthy", "waitConverged", "waitDrained", "logLines"]);

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const camel = (word) => word.charAt(0).toLowerCase() + word.slice(1);

/** The group an operation's tag names. */
export function groupName(tag) {
  const lower = tag.toLowerCase();
  return SINGULAR_GROUPS.has(lower) ? lower : `${lower}s`;
}

/** The method name of an operation id within its tag's group. */
export function methodName(operationId, tag) {
  // ContainerExec (tag Exec) makes an exec instance: exec.create.
  if (operationId.length > tag.length && operationId.endsWith(tag)) return "create";
  const at = operationId.indexOf(tag);
  const rest = at < 0 ? operationId : operationId.slice(0, at) + operationId.slice(at + tag.length);
  return camel(rest === "" ? operationId : rest);
}

/** The option name a parameter is passed as. */
export function optionName(name, where) {
  return RESERVED_OPTIONS.has(name) ? `${where}${name.charAt(0).toUpperCase()}${name.slice(1)}` : name;
}

/** Validates the overlay's `x-berth-kinds` section; returns the list of problems. */
export function validateKinds(kinds) {
  const errors = [];
  if (kinds === undefined) return errors;
  if (!isPlainObject(kinds)) return ["x-berth-kinds must map operation ids to { kind, input?, extra? }"];
  for (const [id, entry] of Object.entries(kinds)) {
    if (!isPlainObject(entry) || typeof entry.kind !== "string") {
      errors.push(`x-berth-kinds.${id}: needs a kind`);
      continue;
    }
    if (!KINDS.has(entry.kind)) errors.push(`x-berth-kinds.${id}: unknown kind ${JSON.stringify(entry.kind)}`);
    if (entry.input !== undefined && !INPUTS.has(entry.input))
      errors.push(`x-berth-kinds.${id}: unknown input ${JSON.stringify(entry.input)}`);
    for (const extra of entry.extra ?? [])
      if (!EXTRAS.has(extra)) errors.push(`x-berth-kinds.${id}: unknown extra ${JSON.stringify(extra)}`);
    for (const key of Object.keys(entry))
      if (!["kind", "input", "extra", "description"].includes(key)) errors.push(`x-berth-kinds.${id}: unknown key ${key}`);
  }
  return errors;
}

/** Writes `x-berth-kind` / `x-berth-input` / `x-berth-extra` onto the operations `kinds` names (in place). */
export function applyKinds(doc, kinds) {
  const errors = validateKinds(kinds);
  if (errors.length) throw new Error(`Invalid overlay:\n  - ${errors.join("\n  - ")}`);
  for (const op of operationsOf(doc)) {
    const entry = kinds?.[op.operation.operationId];
    if (!entry) continue;
    op.operation["x-berth-kind"] = entry.kind;
    if (entry.input) op.operation["x-berth-input"] = entry.input;
    if (entry.extra?.length) op.operation["x-berth-extra"] = [...entry.extra];
  }
}

function* operationsOf(doc) {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item?.[method];
      if (isPlainObject(operation) && typeof operation.operationId === "string") yield { path, method, operation, item };
    }
  }
}

const JSON_TYPE = /^application\/(.+\+)?json$/;

/** How the runtime sends an operation's request body. */
function bodyKind(operation) {
  const content = operation.requestBody?.content;
  if (!isPlainObject(content)) return undefined;
  const types = Object.keys(content);
  if (types.some((t) => JSON_TYPE.test(t))) return "json";
  return "binary";
}

/** How the runtime reads a successful answer of a plain (json-kind) operation. */
function responseKind(operation) {
  const success = Object.entries(operation.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
  const types = success.flatMap(([, r]) => Object.keys(r?.content ?? {}));
  if (types.some((t) => JSON_TYPE.test(t))) return "json";
  if (types.some((t) => t.startsWith("text/"))) return "text";
  if (types.length) return "binary";
  return "none";
}

/**
 * The component schema a successful JSON answer is (`Volume`), or an array of (`Network[]`):
 * the generated validator the runtime checks the answer with. Inline answer schemas have no
 * validator of their own and are not checked.
 */
function responseSchema(operation) {
  for (const [code, response] of Object.entries(operation.responses ?? {})) {
    if (!/^2\d\d$/.test(code)) continue;
    const schema = response?.content?.["application/json"]?.schema;
    const name = (s) => /^#\/components\/schemas\/([A-Za-z0-9_]+)$/.exec(s?.$ref ?? "")?.[1];
    if (name(schema)) return name(schema);
    if (schema?.type === "array" && name(schema.items)) return `${name(schema.items)}[]`;
  }
  return undefined;
}

/**
 * Builds the method table of a (final, overlaid) OpenAPI 3 document.
 * @returns {{ groups: Record<string, Record<string, object>>, count: number }}
 */
export function buildMethodTable(doc) {
  /** @type {Record<string, Record<string, any>>} */
  const groups = {};
  let count = 0;
  for (const { path, method, operation, item } of operationsOf(doc)) {
    const id = operation.operationId;
    // Without a tag, the operationId's first word stands for it (ContainerInspect → Container).
    const tag = typeof operation.tags?.[0] === "string" && operation.tags[0] ? operation.tags[0] : /^[A-Z][a-z0-9]*/.exec(id)?.[0];
    if (!tag) throw new Error(`operation ${id} has no tag and its id no leading word: cannot name its group`);
    const group = groupName(tag);
    const name = methodName(id, tag);
    groups[group] ??= {};
    if (groups[group][name]) throw new Error(`${id} and ${groups[group][name].op} both become ${group}.${name}`);
    const params = { path: [], query: [], header: [] };
    const required = [];
    for (const p of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
      if (!isPlainObject(p) || !(p.in in params)) continue;
      const option = optionName(p.name, p.in);
      params[p.in].push(option === p.name ? p.name : [option, p.name]);
      if (p.required) required.push(option);
    }
    const entry = { op: id, method: method.toUpperCase(), path };
    if (params.path.length) entry.pathParams = params.path;
    if (params.query.length) entry.query = params.query;
    if (params.header.length) entry.header = params.header;
    const body = bodyKind(operation);
    if (body) entry.body = body;
    entry.response = responseKind(operation);
    const schema = entry.response === "json" ? responseSchema(operation) : undefined;
    if (schema) entry.schema = schema;
    entry.kind = operation["x-berth-kind"] ?? "json";
    if (operation["x-berth-input"]) entry.input = operation["x-berth-input"];
    if (operation["x-berth-extra"]) entry.extra = operation["x-berth-extra"];
    groups[group][name] = entry;
    count++;
  }
  const sorted = {};
  for (const group of Object.keys(groups).sort()) {
    sorted[group] = {};
    for (const name of Object.keys(groups[group]).sort()) sorted[group][name] = groups[group][name];
  }
  for (const group of Object.keys(sorted)) {
    for (const extra of Object.values(sorted[group]).flatMap((e) => e.extra ?? [])) {
      if (sorted[group][extra]) throw new Error(`the extra method ${group}.${extra} clashes with an operation`);
    }
  }
  return { groups: sorted, count };
}

const literal = (value) => JSON.stringify(value);

/** Renders methods.ts: the table as data (no imports at run time) plus the version's definition. */
export function renderMethodsTs(doc, { apiVersion, header }) {
  const { groups, count } = buildMethodTable(doc);
  const lines = [
    header.trimEnd(),
    `import type { operations, paths } from "./schema.js";`,
    `import * as validators from "./validate.js";`,
    "",
    `/**`,
    ` * Every operation of API ${apiVersion} (${count}) as a method of the generic client: group, name, HTTP method,`,
    ` * path, parameters by where they go, body and answer kinds, and the runtime kind (see`,
    ` * docs/generic-client.md for the naming rule and the kinds).`,
    ` */`,
    `export const methods = {`,
  ];
  for (const [group, entries] of Object.entries(groups)) {
    lines.push(`  ${group}: {`);
    for (const [name, entry] of Object.entries(entries)) {
      const fields = Object.entries(entry).map(([k, v]) => `${k}: ${literal(v)}`);
      lines.push(`    ${name}: { ${fields.join(", ")} },`);
    }
    lines.push(`  },`);
  }
  lines.push(
    `} as const;`,
    "",
    `/** How many operations the table holds (all of the document's). */`,
    `export const operationCount = ${count};`,
    "",
    `/** What \`createDocker\` takes: the version, its method table and (as types only) its operations and paths. */`,
    `export interface Definition {`,
    `  readonly apiVersion: ${literal(apiVersion)};`,
    `  readonly methods: typeof methods;`,
    `  /** The generated validators, which check the answers whose entry names a \`schema\`. */`,
    `  readonly validators: typeof validators;`,
    `  /** Types only: never set at run time. */`,
    `  readonly types?: { operations: operations; paths: paths };`,
    `}`,
    "",
    `/** API ${apiVersion} for \`createDocker(definition)\`. */`,
    `export const definition: Definition = { apiVersion: ${literal(apiVersion)}, methods, validators };`,
    "",
  );
  return lines.join("\n");
}
