// Settings → API keys: an owner's named keys for scripts and the documented API
// (docs/protocol.md, "API keys"). A new key is shown once, with a copy button; the list never
// holds a key, only its first characters; revoking asks first and takes effect at once.
import { el, explain, field, form, request } from "./settings.js";

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

/** Build the panel from `GET /api/api-keys`; `shown` is a key just made (shown this once). */
export async function loadApiKeys(panel, shown = null) {
  const [got, me] = await Promise.all([request("GET", "/api/api-keys"), request("GET", "/api/agents/me")]);
  if (!got.ok) {
    panel.replaceChildren(el("p", { className: "set-status", role: "alert", textContent: explain(got) }));
    return;
  }
  const status = el("p", { className: "set-status", role: "status" });
  const intro = el("p", { className: "set-hint", textContent:
    "Scripts send a key as “Authorization: Bearer lok_…”. It acts as you, with the role you give it." });
  const create = newKeyForm(panel);
  const once = el("div", { className: "set-once", hidden: !shown });
  once.setAttribute("aria-live", "polite");
  if (shown) showKey(once, shown);
  panel.replaceChildren(el("h3", { textContent: "API keys", tabIndex: -1 }), intro, status,
    keyTable(got.body.api_keys, panel, me.body?.id), el("h4", { textContent: "Create a key" }), create.node, once);
}

function newKeyForm(panel) {
  const name = field("Key name", "text", { required: true, maxLength: 100, placeholder: "e.g. CRM sync" });
  const role = field("Role", "select", { hint: "An owner key may change settings too." },
    [["agent", "Agent"], ["owner", "Owner"]]);
  return form("Create an API key", [name.wrap, role.wrap], async () => {
    const result = await request("POST", "/api/api-keys", { name: name.input.value.trim(), role: role.input.value });
    if (result.ok) {
      await loadApiKeys(panel, result.body);
      panel.querySelector(":scope > .set-status").textContent = `Created “${result.body.api_key.name}”.`;
    }
    return result;
  }, { submit: "Create key", done: (r) => `Created “${r.body.api_key.name}”.` });
}

function keyTable(keys, panel, myId) {
  const table = el("table", { className: "set-table" }, el("caption", { className: "sr-only", textContent: "API keys" }),
    el("thead", {}, el("tr", {}, ...["Name", "Key", "Role", "Created", "Last used", "Created by", ""]
      .map((t) => el("th", { scope: "col", textContent: t })))));
  const body = el("tbody");
  for (const key of keys) body.append(keyRow(key, panel, myId));
  if (!keys.length) body.append(el("tr", {}, el("td", { colSpan: 7, className: "set-empty", textContent: "No API keys yet." })));
  table.append(body);
  return table;
}

function keyRow(key, panel, myId) {
  const revoke = el("button", { type: "button", textContent: "Revoke", className: "set-danger" });
  revoke.setAttribute("aria-label", `Revoke ${key.name}`);
  revoke.addEventListener("click", async () => {
    if (!confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) return;
    revoke.disabled = true;
    const result = await request("DELETE", `/api/api-keys/${encodeURIComponent(key.id)}`);
    if (!result.ok) {
      revoke.disabled = false;
      panel.querySelector(":scope > .set-status").textContent = explain(result);
      return;
    }
    await loadApiKeys(panel);
    panel.querySelector(":scope > .set-status").textContent = `Revoked “${key.name}”.`;
  });
  const by = key.created_by.id === myId ? "you" : key.created_by.name || key.created_by.email || "an owner";
  const row = el("tr", {}, el("td", { textContent: key.name }), el("td", {}, el("code", { textContent: `${key.prefix}…` })),
    el("td", { textContent: key.role }), el("td", { textContent: when(key.created_at) }),
    el("td", { textContent: when(key.last_used_at) }), el("td", { textContent: by }), el("td", {}, revoke));
  row.dataset.keyId = key.id;
  return row;
}

/** The new key, this once: the hub keeps only its hash, so it can never be shown again. */
function showKey(box, body) {
  const code = el("code", { className: "set-secret", textContent: body.key });
  const copy = el("button", { type: "button", textContent: "Copy key" });
  const copied = el("span", { className: "set-hint", role: "status" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(body.key);
      copied.textContent = "Copied.";
    } catch {
      getSelection().selectAllChildren(code); // no clipboard access: select it for Ctrl+C
      copied.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
  box.replaceChildren(
    el("p", { textContent: `Copy “${body.api_key.name}” now: it is shown only this once, and the hub cannot show it again.` }),
    code, el("div", { className: "set-actions" }, copy, copied));
  box.dataset.keyId = body.api_key.id;
}
