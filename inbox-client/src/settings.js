// The owners' settings view of the inbox: one tab per part of the company's settings, each a
// form over the HTTP API (docs/protocol.md). ES module, no framework, no inline script/style.
import { render } from "preact";
import { explain, request, whenUnauthorized } from "./http.js";
import { AccountTab } from "./components/AccountTab.js";
import { AnalyticsTab } from "./components/AnalyticsTab.js";
import { ApiKeysTab } from "./components/ApiKeysTab.js";
import { HoursTab } from "./components/HoursTab.js";
import { TeamTab } from "./components/TeamTab.js";

const TABS = [
  ["profile", "Profile & facts"], ["qa", "Q&A pairs"], ["ai", "AI"], ["widget", "Widget"],
  ["inbox", "Inbox"], ["team", "Team"], ["integrations", "Integrations"], ["analytics", "Analytics"],
  ["hours", "Business hours"],
  ["apikeys", "API keys"],
  ["account", "Account"],
];
// What an agent who is not an owner sees of the settings: its own account only.
const tabsFor = (owner) => (owner ? TABS : TABS.filter(([key]) => key === "account"));
const USE_CASES = [["customer_support", "Customer support"], ["lead_qualification", "Lead qualification"],
  ["faq", "FAQ"], ["appointment_scheduling", "Appointment scheduling"]];

const ctx = { token: () => null, signOut: () => {}, built: false, open: false, me: null };
let uid = 0;

export { explain, request };

export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

/** Show the Settings entry to owners only (the server refuses everyone else anyway). */
export function mountSettings({ owner, token, signOut, me }) {
  if (ctx.built && ctx.owner !== owner) { closeSettings(); ctx.built = false; } // the role changed
  Object.assign(ctx, { token, signOut, me, owner });
  whenUnauthorized(() => signOut("Invalid or expired token"));
  const button = document.getElementById("settings-open");
  button.hidden = false; // everyone has an Account tab
  button.dataset.for = owner ? "owner" : "agent";
  if (!button.dataset.wired) {
    button.dataset.wired = "1";
    button.addEventListener("click", () => (ctx.open ? closeSettings() : openSettings()));
  }
}

/** Leave the settings view (sign-out, or a non-owner). */
export function closeSettings() {
  const root = document.getElementById("settings");
  const inside = root.contains(document.activeElement); // e.g. "← Back to inbox", now hidden
  ctx.open = false;
  document.body.classList.remove("settings-open");
  root.hidden = true;
  const button = document.getElementById("settings-open");
  button.setAttribute("aria-expanded", "false");
  if (inside && !button.hidden) button.focus(); // where the keyboard came in, not the body
}

function openSettings() {
  const root = document.getElementById("settings");
  if (!ctx.built) build(root);
  ctx.open = true;
  root.hidden = false;
  document.body.classList.add("settings-open");
  document.getElementById("settings-open").setAttribute("aria-expanded", "true");
  selectTab(root.querySelector('[role=tab][aria-selected="true"]')?.dataset.tab || tabsFor(ctx.owner)[0][0], true);
}

// ---------- building blocks ----------

/** A labelled control: {wrap, input}. `kind`: an input type, "textarea", "select", "checkbox". */
export function field(label, kind = "text", { hint, ...attrs } = {}, options = []) {
  const id = `set-${++uid}`;
  let input;
  if (kind === "textarea") input = el("textarea", { id, rows: 3, ...attrs });
  else if (kind === "select") {
    input = el("select", { id, ...attrs }, ...options.map(([value, text]) => el("option", { value, textContent: text })));
  } else input = el("input", { id, type: kind, ...attrs });
  const lab = el("label", { htmlFor: id, textContent: label });
  const wrap = el("div", { className: kind === "checkbox" ? "set-field set-check" : "set-field" });
  if (kind === "checkbox") wrap.append(input, lab); else wrap.append(lab, input);
  if (hint) {
    const note = el("p", { className: "set-hint", id: `${id}-hint`, textContent: hint });
    input.setAttribute("aria-describedby", note.id);
    wrap.append(note);
  }
  return { wrap, input };
}

/** A form whose submit runs `save()` (returning an API result) with Save disabled meanwhile,
 * then says what happened in its status line. */
export function form(name, children, save, { submit = "Save", done = "Saved." } = {}) {
  const status = el("p", { className: "set-status", role: "status" });
  const button = el("button", { type: "submit", textContent: submit, className: "set-primary" });
  const node = el("form", { className: "set-form" }, ...children, el("div", { className: "set-actions" }, button, status));
  node.setAttribute("aria-label", name);
  // An edit after a save makes the last "Saved." stale.
  node.addEventListener("input", () => { if (!button.disabled) { status.textContent = ""; delete status.dataset.kind; } });
  node.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    status.dataset.kind = "busy";
    status.textContent = "Saving…";
    try {
      const result = await save();
      status.dataset.kind = result.ok ? "ok" : "error";
      status.textContent = result.ok ? (typeof done === "function" ? done(result) : done) : explain(result);
    } finally {
      button.disabled = false;
    }
  });
  return { node, status, button };
}

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const section = (title, ...children) => [el("h3", { textContent: title, tabIndex: -1 }), ...children];
/** The panel's own status line (a rebuilt panel has a new one). */
const say = (panel, text) => { panel.querySelector(":scope > .set-status").textContent = text; };

// ---------- the shell: tabs ----------

function build(root) {
  ctx.built = true;
  const list = el("div", { className: "set-tabs", role: "tablist" });
  list.setAttribute("aria-label", "Settings sections");
  list.setAttribute("aria-orientation", "vertical");
  const panels = el("div", { className: "set-panels" });
  const first = tabsFor(ctx.owner)[0][0];
  for (const [key, label] of tabsFor(ctx.owner)) {
    const tab = el("button", { type: "button", id: `set-tab-${key}`, role: "tab", textContent: label });
    tab.dataset.tab = key;
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", `set-panel-${key}`);
    tab.setAttribute("aria-selected", key === first ? "true" : "false");
    tab.tabIndex = key === first ? 0 : -1;
    tab.addEventListener("click", () => selectTab(key));
    list.append(tab);
    const panel = el("section", { id: `set-panel-${key}`, className: "set-panel", hidden: true });
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    panel.dataset.tab = key;
    panels.append(panel);
  }
  list.addEventListener("keydown", onTabKey);
  const back = el("button", { type: "button", className: "set-back", textContent: "← Back to inbox" });
  back.addEventListener("click", closeSettings);
  const head = el("div", { className: "set-head" }, el("h2", { id: "settings-title", textContent: "Settings" }), back);
  root.replaceChildren(head, el("div", { className: "set-body" }, list, panels));
}

function onTabKey(e) {
  const tabs = [...e.currentTarget.querySelectorAll("[role=tab]")];
  const at = tabs.indexOf(document.activeElement);
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
  let next = null;
  if (step) next = tabs[(at + step + tabs.length) % tabs.length];
  if (e.key === "Home") next = tabs[0];
  if (e.key === "End") next = tabs[tabs.length - 1];
  if (!next) return;
  e.preventDefault();
  selectTab(next.dataset.tab);
  next.focus();
}

const loads = {};
/** A tab drawn by a Preact component: each showing is a new `load`, read again. */
const mountTab = (Tab) => (panel) => new Promise((settled) => {
  const key = panel.dataset.tab;
  loads[key] = (loads[key] || 0) + 1;
  render(<Tab load={loads[key]} settled={settled} me={ctx.me} />, panel);
});

const LOADERS = { profile: loadProfile, qa: loadQa, ai: loadAi, widget: loadWidget, inbox: loadInbox,
  team: mountTab(TeamTab), integrations: loadIntegrations, analytics: mountTab(AnalyticsTab),
  account: mountTab(AccountTab), hours: mountTab(HoursTab), apikeys: mountTab(ApiKeysTab) };

/** Show one section, (re)reading it from the API: what another owner changed shows up. */
async function selectTab(key, keepFocus = false) {
  const root = document.getElementById("settings");
  for (const tab of root.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.tab === key;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
  }
  for (const panel of root.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.dataset.tab !== key;
  const panel = root.querySelector(`#set-panel-${key}`);
  panel.setAttribute("aria-busy", "true");
  await LOADERS[key](panel);
  panel.removeAttribute("aria-busy");
  if (!keepFocus) return;
  root.querySelector(`#set-tab-${key}`).focus();
}

function failed(panel, result) {
  panel.replaceChildren(el("p", { className: "set-status", role: "alert", textContent: explain(result) }));
}

// ---------- Profile & facts ----------

async function loadProfile(panel) {
  const got = await request("GET", "/api/company");
  if (!got.ok) return failed(panel, got);
  const c = got.body;
  const name = field("Company name", "text", { value: c.name, required: true, maxLength: 200 });
  const website = field("Website", "url", { value: c.website || "", maxLength: 500, placeholder: "https://…" });
  const description = field("Description", "textarea", { value: c.description || "", maxLength: 5000, rows: 4 });
  const facts = field("Facts the AI may use (one per line)", "textarea", { value: (c.facts || []).join("\n"), rows: 6 });
  const origins = field("Sites allowed to embed the widget (one origin per line; none: any)", "textarea",
    { value: (c.allowed_origins || []).join("\n"), rows: 3, placeholder: "https://www.example.com" });
  const retention = field("Delete messages older than (days; empty keeps everything)", "number",
    { value: c.retention_days ?? "", min: 1, max: 36500 });
  const f = form("Profile and facts", [name.wrap, website.wrap, description.wrap, facts.wrap, origins.wrap, retention.wrap], () => request("PUT", "/api/company", {
    name: name.input.value.trim(), website: website.input.value.trim() || null,
    description: description.input.value.trim() || null, facts: lines(facts.input.value),
    allowed_origins: lines(origins.input.value),
    retention_days: retention.input.value ? Number(retention.input.value) : null,
  }));
  panel.replaceChildren(...section("Profile & facts"), f.node);
}

// ---------- Q&A pairs ----------

async function loadQa(panel) {
  const got = await request("GET", "/api/qa");
  if (!got.ok) return failed(panel, got);
  const list = el("ul", { className: "set-list" });
  list.setAttribute("aria-label", "Q&A pairs");
  const status = el("p", { className: "set-status", role: "status" });
  for (const pair of got.body.pairs) list.append(qaRow(pair, panel));
  if (!got.body.pairs.length) list.append(el("li", { className: "set-empty", textContent: "No Q&A pairs yet." }));
  const q = field("Question", "text", { required: true, maxLength: 2000 });
  const a = field("Answer", "textarea", { required: true, maxLength: 5000 });
  const add = form("Add a Q&A pair", [q.wrap, a.wrap], async () => {
    const result = await request("POST", "/api/qa", { question: q.input.value.trim(), answer: a.input.value.trim() });
    if (result.ok) { await loadQa(panel); say(panel, "Pair added."); }
    return result;
  }, { submit: "Add pair", done: "Pair added." });
  panel.replaceChildren(...section("Q&A pairs"), status, list, el("h4", { textContent: "Add a pair" }), add.node);
}

function qaRow(pair, panel) {
  const row = el("li", { className: "set-row" });
  row.dataset.pairId = pair.id;
  const edit = el("button", { type: "button", textContent: "Edit" });
  edit.setAttribute("aria-label", `Edit “${pair.question}”`);
  const del = el("button", { type: "button", textContent: "Delete", className: "set-danger" });
  del.setAttribute("aria-label", `Delete “${pair.question}”`);
  const show = () => row.replaceChildren(el("div", {}, el("strong", { textContent: pair.question }),
    el("p", { textContent: pair.answer })), el("div", { className: "set-row-actions" }, edit, del));
  edit.addEventListener("click", () => {
    const q = field("Question", "text", { value: pair.question, required: true, maxLength: 2000 });
    const a = field("Answer", "textarea", { value: pair.answer, required: true, maxLength: 5000 });
    const cancel = el("button", { type: "button", textContent: "Cancel" });
    cancel.addEventListener("click", () => { show(); edit.focus(); });
    const f = form(`Edit “${pair.question}”`, [q.wrap, a.wrap], async () => {
      const result = await request("PUT", `/api/qa/${encodeURIComponent(pair.id)}`,
        { question: q.input.value.trim(), answer: a.input.value.trim() });
      if (result.ok) { await loadQa(panel); say(panel, "Pair saved."); }
      return result;
    });
    f.node.querySelector(".set-actions").prepend(cancel);
    row.replaceChildren(f.node);
    q.input.focus();
  });
  del.addEventListener("click", async () => {
    if (!confirm(`Delete the Q&A pair “${pair.question}”?`)) return;
    del.disabled = true;
    const result = await request("DELETE", `/api/qa/${encodeURIComponent(pair.id)}`);
    if (result.ok) { await loadQa(panel); say(panel, "Pair deleted."); return; }
    del.disabled = false;
    say(panel, explain(result));
  });
  show();
  return row;
}

// ---------- AI ----------

async function loadAi(panel) {
  const got = await request("GET", "/api/ai-settings");
  if (!got.ok) return failed(panel, got);
  const s = got.body;
  const enabled = field("The AI answers visitors and contacts", "checkbox", { checked: s.enabled });
  const useCase = field("What the AI is for", "select", {}, USE_CASES);
  useCase.input.value = s.use_case;
  const instructions = field("Instructions (tone, goals, what to avoid)", "textarea",
    { value: s.instructions, maxLength: 5000, rows: 5 });
  const model = field("Model", "text", { value: s.model, required: true, maxLength: 100 });
  const temperature = field("Temperature (0 precise to 2 creative)", "number",
    { value: s.temperature, min: 0, max: 2, step: 0.1, required: true });
  const maxTokens = field("Longest reply (tokens)", "number", { value: s.max_tokens, min: 16, max: 4096, required: true });
  const f = form("AI settings", [enabled.wrap, useCase.wrap, instructions.wrap, model.wrap, temperature.wrap, maxTokens.wrap],
    () => request("PUT", "/api/ai-settings", {
      enabled: enabled.input.checked, use_case: useCase.input.value, instructions: instructions.input.value,
      model: model.input.value.trim(), temperature: Number(temperature.input.value), max_tokens: Number(maxTokens.input.value),
      answer_off_hours: s.answer_off_hours, // set under Business hours
    }));
  panel.replaceChildren(...section("AI"), f.node);
}

// ---------- Widget ----------

async function loadWidget(panel) {
  const got = await request("GET", "/api/widget-settings");
  if (!got.ok) return failed(panel, got);
  const s = got.body;
  const greeting = field("Greeting (empty: the default)", "text", { value: s.greeting || "", maxLength: 500 });
  const color = field("Colour", "color", { value: s.color });
  const textColor = field("Text colour", "color", { value: s.text_color });
  const position = field("Corner", "select", {}, [["right", "Bottom right"], ["left", "Bottom left"]]);
  position.input.value = s.position;
  const language = field("Language", "select", {}, [["auto", "The visitor's browser"], ["en", "English"], ["es", "Spanish"]]);
  language.input.value = s.language;
  const preChat = field("Ask for a name and email before the chat", "checkbox", { checked: s.pre_chat_form });
  const f = form("Widget settings", [greeting.wrap, color.wrap, textColor.wrap, position.wrap, language.wrap, preChat.wrap],
    () => request("PUT", "/api/widget-settings", {
      greeting: greeting.input.value.trim() || null, color: color.input.value, text_color: textColor.input.value,
      position: position.input.value, language: language.input.value, pre_chat_form: preChat.input.checked,
    }));
  panel.replaceChildren(...section("Widget"), f.node, ...identitySecret(s.identity_verification));
}

/** The identity-verification secret: created or rotated here and shown once, never read back. */
function identitySecret(on) {
  const state = el("p", { textContent: on ? "Identity verification is on." : "Identity verification is off." });
  state.dataset.secret = on ? "set" : "unset";
  const out = el("div", { className: "set-once", hidden: true });
  out.setAttribute("aria-live", "polite");
  const button = el("button", { type: "button", textContent: on ? "Rotate secret" : "Create secret" });
  button.addEventListener("click", async () => {
    if (on && !confirm("Rotate the secret? Pages signing with the old one stop verifying users.")) return;
    button.disabled = true;
    const result = await request("POST", "/api/widget-settings/secret");
    button.disabled = false;
    out.hidden = false;
    if (!result.ok) { out.replaceChildren(el("p", { role: "alert", textContent: explain(result) })); return; }
    on = true;
    state.textContent = "Identity verification is on.";
    state.dataset.secret = "set";
    button.textContent = "Rotate secret";
    out.replaceChildren(el("p", { textContent: "Copy it now: it is shown only this once." }),
      el("code", { className: "set-secret", textContent: result.body.secret }));
  });
  const hint = el("p", { className: "set-hint", textContent:
    "Your server signs each signed-in user's id with this secret (HMAC-SHA256) as data-user-hash." });
  return [el("h4", { textContent: "Identity verification" }), state, hint, button, out];
}

// ---------- Inbox ----------

async function loadInbox(panel) {
  const got = await request("GET", "/api/inbox-settings");
  if (!got.ok) return failed(panel, got);
  const auto = field("Assign new conversations to online agents in turn", "checkbox", { checked: got.body.auto_assign });
  const cap = field("Most open conversations per agent", "number", { value: got.body.assign_cap, min: 1, max: 1000, required: true });
  const f = form("Inbox settings", [auto.wrap, cap.wrap], () =>
    request("PUT", "/api/inbox-settings", { auto_assign: auto.input.checked, assign_cap: Number(cap.input.value) }));
  panel.replaceChildren(...section("Inbox"), f.node);
}

// ---------- Integrations ----------

const PROVIDERS = {
  twilio: { title: "Twilio SMS", fields: [["account_sid", "Account SID", false], ["auth_token", "Auth token", true],
    ["phone_number", "Phone number (E.164)", false]] },
  kapso: { title: "Kapso WhatsApp", fields: [["api_key", "API key", true], ["phone_number_id", "Phone number ID", false],
    ["webhook_secret", "Webhook secret", true]] },
};

async function loadIntegrations(panel) {
  const parts = await Promise.all(Object.keys(PROVIDERS).map((p) => integrationForm(p)));
  panel.replaceChildren(...section("Integrations"),
    el("p", { className: "set-hint", textContent: "Secrets are stored encrypted and never shown again: enter them each time you save." }),
    ...parts.flat());
}

async function integrationForm(provider) {
  const spec = PROVIDERS[provider];
  const got = await request("GET", `/api/integrations/${provider}`);
  if (!got.ok) return [el("p", { role: "alert", textContent: explain(got) })];
  const summary = el("p", { className: "set-integration-state" });
  const inputs = {};
  const wraps = spec.fields.map(([name, label, secret]) => {
    // A secret input starts empty, always: the API gives only its masked last four.
    const f = field(label, secret ? "password" : "text",
      { required: true, maxLength: 200, autocomplete: secret ? "new-password" : "off" });
    f.input.name = name;
    inputs[name] = f;
    return f.wrap;
  });
  const show = (view) => {
    summary.dataset.configured = view.configured ? "true" : "false";
    const masked = spec.fields.filter(([, , s]) => s).map(([n, label]) => `${label}: ${view[n] ? `set (${view[n]})` : "not set"}`);
    summary.textContent = view.configured ? `Configured. ${masked.join("; ")}.` : "Not configured.";
    for (const [name, , secret] of spec.fields) inputs[name].input.value = secret ? "" : view[name] || "";
  };
  show(got.body);
  const f = form(`${spec.title} settings`, wraps, async () => {
    const body = Object.fromEntries(spec.fields.map(([n]) => [n, inputs[n].input.value.trim()]));
    const result = await request("PUT", `/api/integrations/${provider}`, body);
    for (const [n, , secret] of spec.fields) if (secret) inputs[n].input.value = "";
    if (result.ok) show(result.body);
    return result;
  }, { submit: `Save ${spec.title}` });
  return [el("h4", { textContent: spec.title }), summary, f.node];
}
