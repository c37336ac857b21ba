// /api/docs: renders the hub's OpenAPI document (/api/openapi.json) with the DOM only (no
// innerHTML: every text is set as text), one section a tag, one <details> an operation.

const METHODS = ["get", "post", "put", "patch", "delete"];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// The schema with its $refs replaced by what they name (once each along a path: no loops).
function resolve(schema, doc, seen = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => resolve(s, doc, seen));
  if (!schema || typeof schema !== "object") return schema;
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop();
    if (seen.has(name)) return { $ref: name };
    const target = doc.components?.schemas?.[name] ?? {};
    return resolve(target, doc, new Set([...seen, name]));
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) out[key] = resolve(value, doc, seen);
  return out;
}

function json(value) {
  return el("pre", { text: JSON.stringify(value, null, 2) });
}

function parameters(op) {
  const rows = (op.parameters ?? []).map((p) =>
    el("tr", {}, el("td", { text: p.name }), el("td", { text: p.in }),
      el("td", { text: p.required ? "required" : "optional" }),
      el("td", { text: p.schema?.description ?? p.schema?.type ?? "" })));
  if (!rows.length) return null;
  return el("div", {}, el("h3", { text: "Parameters" }), el("table", {}, ...rows));
}

function body(op, doc) {
  const content = op.requestBody?.content;
  if (!content) return null;
  const [type, media] = Object.entries(content)[0];
  return el("div", {}, el("h3", { text: `Body (${type})` }), json(resolve(media.schema, doc)));
}

function responses(op, doc) {
  const parts = [el("h3", { text: "Answers" })];
  for (const [status, answer] of Object.entries(op.responses ?? {})) {
    parts.push(el("p", { text: `${status}: ${answer.description ?? ""}` }));
    const media = Object.values(answer.content ?? {})[0];
    if (media?.schema && status.startsWith("2")) parts.push(json(resolve(media.schema, doc)));
  }
  return el("div", {}, ...parts);
}

function access(op) {
  const schemes = (op.security ?? []).map((s) => Object.keys(s).join(" + "));
  const who = schemes.length ? schemes.join(" or ") : "public";
  const scopes = op["x-scopes"]?.length ? `; API key scope: ${op["x-scopes"].join(", ")}` : "";
  return el("p", {}, el("span", { class: "api-chip", text: who + scopes }));
}

function operation(path, method, op, doc) {
  const head = el("summary", {},
    el("span", { class: "api-method", "data-method": method, text: method.toUpperCase() }),
    el("span", { class: "api-path", text: path }),
    el("span", { class: "api-summary", text: op.summary ?? "" }));
  const details = el("div", { class: "api-body" }, access(op),
    op.description ? el("p", { text: op.description }) : null,
    parameters(op), body(op, doc), responses(op, doc));
  return el("details", { class: "api-op", id: op.operationId ?? "" }, head, details);
}

function render(doc) {
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op, doc));
    }
  }
  const root = document.getElementById("api");
  const sections = [...byTag.keys()].sort().map((tag) =>
    el("section", { class: "api-tag" }, el("h2", { text: tag.replaceAll("-", " ") }), ...byTag.get(tag)));
  root.replaceChildren(el("p", { class: "api-intro", text: doc.info?.description ?? "" }), ...sections);
}

fetch("/api/openapi.json")
  .then((response) => response.json())
  .then(render)
  .catch((error) => {
    document.getElementById("api").replaceChildren(el("p", { text: `Could not load: ${error}` }));
  });
