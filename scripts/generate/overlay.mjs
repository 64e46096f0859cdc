// OpenAPI Overlay 1.0 (https://spec.openapis.org/overlay/v1.0.0) with a small JSONPath subset.
//
// Supported JSONPath (RFC 9535 subset):
//   $                      root
//   .name  ['name']  ["n"] member (names with '/', '{', '.' need the bracket form)
//   [0]  [-1]              array index
//   .*  [*]                all children
//   ['a','b']  [0,2]       union of names / indexes
//   ..name  ..*  ..['n']   descendants (the current node and everything below it)
//   [?@.a.b == 'x']        filter on children: == / != against a literal, existence [?@.a],
//                          conjunction with &&; the [?(...)] form is accepted too
//
// Semantics used here (stricter than the spec, so upstream drift is noticed):
//   - an action whose target selects nothing is an error;
//   - `update` is deep-merged into every selected object (objects merge recursively, arrays and
//     scalars are replaced); when the selection is an array, `update` is appended to it;
//   - `remove: true` deletes every selected node from its parent;
//   - optional extensions `x-min-version` / `x-max-version` ("X.Y", inclusive) skip an action for
//     documents outside that API version range.

import { clone, compareApiVersions, isPlainObject } from "./util.mjs";

/** @typedef {{ path: string[], op: '=='|'!='|null, value?: unknown }} FilterTerm */
/** @typedef {{ kind: 'name', names: (string|number)[] } | { kind: 'wild' } | { kind: 'filter', terms: FilterTerm[] }} Selector */
/** @typedef {{ descendant: boolean, selector: Selector }} Segment */

/**
 * Parses a JSONPath expression of the supported subset.
 * @param {string} expr
 * @returns {Segment[]}
 */
export function parseJsonPath(expr) {
  if (typeof expr !== "string" || !expr.startsWith("$")) throw new Error(`JSONPath must start with '$': ${expr}`);
  /** @type {Segment[]} */
  const segments = [];
  let i = 1;
  const fail = (msg) => {
    throw new Error(`Unsupported or invalid JSONPath ${JSON.stringify(expr)} at ${i}: ${msg}`);
  };
  const readName = () => {
    const m = /^[A-Za-z_$][\w$-]*/.exec(expr.slice(i));
    if (!m) fail("expected a member name");
    i += m[0].length;
    return m[0];
  };
  const skipWs = () => {
    while (expr[i] === " ") i++;
  };
  const readQuoted = () => {
    const q = expr[i];
    let out = "";
    i++;
    while (i < expr.length && expr[i] !== q) {
      if (expr[i] === "\\") {
        i++;
        if (i >= expr.length) fail("dangling escape");
      }
      out += expr[i++];
    }
    if (expr[i] !== q) fail("unterminated string");
    i++;
    return out;
  };
  const readLiteral = () => {
    skipWs();
    if (expr[i] === "'" || expr[i] === '"') return readQuoted();
    const m = /^(-?\d+(?:\.\d+)?|true|false|null)/.exec(expr.slice(i));
    if (!m) fail("expected a literal");
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const readBracket = () => {
    i++; // [
    skipWs();
    /** @type {Selector} */
    let selector;
    if (expr[i] === "*") {
      i++;
      selector = { kind: "wild" };
    } else if (expr[i] === "?") {
      i++;
      skipWs();
      const paren = expr[i] === "(";
      if (paren) i++;
      const terms = [];
      for (;;) {
        skipWs();
        if (expr[i] !== "@") fail("filter terms must start with '@'");
        i++;
        const path = [];
        while (expr[i] === "." || expr[i] === "[") {
          if (expr[i] === ".") {
            i++;
            path.push(readName());
          } else {
            i++;
            skipWs();
            if (expr[i] !== "'" && expr[i] !== '"') fail("expected a quoted name in filter");
            path.push(readQuoted());
            skipWs();
            if (expr[i] !== "]") fail("expected ']'");
            i++;
          }
        }
        skipWs();
        let op = null;
        let value;
        const m = /^(==|!=)/.exec(expr.slice(i));
        if (m) {
          op = m[1];
          i += 2;
          value = readLiteral();
          skipWs();
        }
        terms.push({ path, op, value });
        if (expr.startsWith("&&", i)) {
          i += 2;
          continue;
        }
        break;
      }
      if (paren) {
        if (expr[i] !== ")") fail("expected ')'");
        i++;
        skipWs();
      }
      selector = { kind: "filter", terms };
    } else {
      /** @type {(string|number)[]} */
      const names = [];
      for (;;) {
        skipWs();
        if (expr[i] === "'" || expr[i] === '"') names.push(readQuoted());
        else {
          const m = /^-?\d+/.exec(expr.slice(i));
          if (!m) fail("expected a quoted name, an index, * or a filter");
          names.push(Number(m[0]));
          i += m[0].length;
        }
        skipWs();
        if (expr[i] === ",") {
          i++;
          continue;
        }
        break;
      }
      selector = { kind: "name", names };
    }
    skipWs();
    if (expr[i] !== "]") fail("expected ']'");
    i++;
    return selector;
  };

  while (i < expr.length) {
    let descendant = false;
    if (expr.startsWith("..", i)) {
      descendant = true;
      i += 2;
    } else if (expr[i] === ".") {
      i++;
    } else if (expr[i] !== "[") {
      fail("expected '.', '..' or '['");
    }
    /** @type {Selector} */
    let selector;
    if (expr[i] === "[") selector = readBracket();
    else if (expr[i] === "*") {
      i++;
      selector = { kind: "wild" };
    } else selector = { kind: "name", names: [readName()] };
    segments.push({ descendant, selector });
  }
  return segments;
}

/** @typedef {{ value: unknown, parent: object|null, key: string|number|null, path: string }} JsonNode */

const childNodes = (/** @type {JsonNode} */ node) => {
  const v = node.value;
  if (Array.isArray(v)) return v.map((value, key) => ({ value, parent: v, key, path: `${node.path}[${key}]` }));
  if (isPlainObject(v))
    return Object.keys(v).map((key) => ({ value: v[key], parent: v, key, path: `${node.path}[${JSON.stringify(key)}]` }));
  return [];
};

const descendantsAndSelf = (/** @type {JsonNode} */ node) => {
  const out = [node];
  for (const c of childNodes(node)) out.push(...descendantsAndSelf(c));
  return out;
};

const getPath = (value, path) => {
  let cur = value;
  for (const p of path) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return { found: false };
    if (!Object.prototype.hasOwnProperty.call(cur, p)) return { found: false };
    cur = cur[p];
  }
  return { found: true, value: cur };
};

/** @param {Selector} sel @param {JsonNode} node */
function select(sel, node) {
  const v = node.value;
  if (sel.kind === "wild") return childNodes(node);
  if (sel.kind === "filter") {
    return childNodes(node).filter((c) =>
      sel.terms.every((t) => {
        const r = getPath(c.value, t.path);
        if (t.op === null) return r.found;
        const eq = r.found && JSON.stringify(r.value) === JSON.stringify(t.value);
        return t.op === "==" ? eq : !eq;
      }),
    );
  }
  const out = [];
  for (const name of sel.names) {
    if (typeof name === "number") {
      if (!Array.isArray(v)) continue;
      const idx = name < 0 ? v.length + name : name;
      if (idx >= 0 && idx < v.length) out.push({ value: v[idx], parent: v, key: idx, path: `${node.path}[${idx}]` });
    } else if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, name)) {
      out.push({ value: v[name], parent: v, key: name, path: `${node.path}[${JSON.stringify(name)}]` });
    }
  }
  return out;
}

/**
 * Evaluates a JSONPath expression and returns the selected nodes (with their parents).
 * @param {unknown} doc
 * @param {string} expr
 * @returns {JsonNode[]}
 */
export function queryJsonPath(doc, expr) {
  /** @type {JsonNode[]} */
  let nodes = [{ value: doc, parent: null, key: null, path: "$" }];
  for (const seg of parseJsonPath(expr)) {
    const next = [];
    for (const n of nodes) {
      const bases = seg.descendant ? descendantsAndSelf(n) : [n];
      for (const b of bases) next.push(...select(seg.selector, b));
    }
    nodes = next;
  }
  return nodes;
}

/** Deep merge used by `update`: objects merge recursively; arrays and scalars are replaced. */
export function mergeInto(target, update) {
  for (const [k, v] of Object.entries(update)) {
    if (isPlainObject(v) && isPlainObject(target[k])) mergeInto(target[k], v);
    else target[k] = clone(v);
  }
  return target;
}

const describeAction = (action, index) =>
  `overlay action #${index + 1}${action.description ? ` (${String(action.description).split("\n")[0].trim()})` : ""}`;

/**
 * Validates the shape of an Overlay 1.0 document. With `requireRationale`, every action must carry
 * a `description` (what it changes) and an `x-why` (why the upstream document is wrong).
 */
export function validateOverlay(overlay, { requireRationale = false } = {}) {
  const errors = [];
  if (!isPlainObject(overlay)) return ["overlay document must be an object"];
  if (typeof overlay.overlay !== "string" || !overlay.overlay.startsWith("1."))
    errors.push("missing or unsupported 'overlay' version (expected 1.x)");
  if (!isPlainObject(overlay.info) || !overlay.info.title || !overlay.info.version)
    errors.push("'info' with 'title' and 'version' is required");
  if (!Array.isArray(overlay.actions) || overlay.actions.length === 0) errors.push("'actions' must be a non-empty array");
  for (const [index, action] of (Array.isArray(overlay.actions) ? overlay.actions : []).entries()) {
    const where = describeAction(action ?? {}, index);
    if (!isPlainObject(action)) {
      errors.push(`${where}: must be an object`);
      continue;
    }
    if (typeof action.target !== "string") errors.push(`${where}: 'target' (JSONPath) is required`);
    else {
      try {
        parseJsonPath(action.target);
      } catch (e) {
        errors.push(`${where}: ${e.message}`);
      }
    }
    const hasUpdate = action.update !== undefined;
    const hasRemove = action.remove === true;
    if (hasUpdate === hasRemove) errors.push(`${where}: exactly one of 'update' or 'remove: true' is required`);
    if (requireRationale) {
      if (typeof action.description !== "string" || !action.description.trim()) errors.push(`${where}: 'description' (what) is required`);
      if (typeof action["x-why"] !== "string" || !action["x-why"].trim()) errors.push(`${where}: 'x-why' (why) is required`);
    }
    for (const k of ["x-min-version", "x-max-version"])
      if (action[k] !== undefined && !/^\d+\.\d+$/.test(String(action[k]))) errors.push(`${where}: '${k}' must look like "1.41"`);
  }
  return errors;
}

/**
 * Applies an Overlay 1.0 document to `doc` in place and returns a log of what was applied.
 * Throws when an (applicable) action's target selects nothing.
 * @param {Record<string, any>} doc
 * @param {Record<string, any>} overlay
 * @param {{ version?: string, requireRationale?: boolean }} [options]
 */
export function applyOverlay(doc, overlay, { version, requireRationale = false } = {}) {
  const errors = validateOverlay(overlay, { requireRationale });
  if (errors.length) throw new Error(`Invalid overlay:\n  - ${errors.join("\n  - ")}`);
  const log = [];
  for (const [index, action] of overlay.actions.entries()) {
    const where = describeAction(action, index);
    if (version) {
      if (action["x-min-version"] && compareApiVersions(version, String(action["x-min-version"])) < 0) {
        log.push({ index, action, skipped: true, matches: 0 });
        continue;
      }
      if (action["x-max-version"] && compareApiVersions(version, String(action["x-max-version"])) > 0) {
        log.push({ index, action, skipped: true, matches: 0 });
        continue;
      }
    }
    const nodes = queryJsonPath(doc, action.target);
    if (nodes.length === 0) throw new Error(`${where}: target ${action.target} matched nothing`);
    if (action.remove === true) {
      // Remove array elements from the highest index down so earlier removals don't shift later ones.
      const sorted = [...nodes].sort((a, b) => (typeof b.key === "number" && typeof a.key === "number" ? b.key - a.key : 0));
      for (const n of sorted) {
        if (n.parent === null) throw new Error(`${where}: cannot remove the document root`);
        if (Array.isArray(n.parent)) n.parent.splice(/** @type {number} */ (n.key), 1);
        else delete n.parent[n.key];
      }
    } else {
      for (const n of nodes) {
        if (Array.isArray(n.value)) n.value.push(clone(action.update));
        else if (isPlainObject(n.value)) {
          if (!isPlainObject(action.update)) throw new Error(`${where}: update for an object target must be an object (at ${n.path})`);
          mergeInto(n.value, action.update);
        } else throw new Error(`${where}: target ${n.path} is neither an object nor an array`);
      }
    }
    log.push({ index, action, skipped: false, matches: nodes.length });
  }
  return log;
}
