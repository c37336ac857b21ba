// LeadOp Hub agent inbox. Framework-free ES module; protocol in docs/protocol.md.
import { createNotifier } from "./notify.js";
import { attachmentNode, setupAttach } from "./attachments.js";
import { closeSettings, mountSettings } from "./settings.js";
import { closeOnboarding, mountOnboarding, onboardingFrame } from "./onboarding.js";
import { contactLabel, initSearch, timeNode } from "./search.js";
import { onChosen } from "./select.js";
import { avatarNode, mountProfile, profileUpdated } from "./profile.js";
import { authHeaders, signOut, socketToken, startSession } from "./auth.js";
import { followLog } from "./follow.js";
import { closeContact, contextOpen, initContact } from "./contact.js";
import { whereAndWhen } from "./visitor.js";

const TOKEN_KEY = "leadop.agentToken";
const PING_MS = 25_000;
const STATUS_RANK = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
const SENDER_LABEL = { visitor: "Visitor", contact: "Contact", agent: "Agent", ai: "AI" };
const STATUS_LABEL = { open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved" };
const PRESENCE_LABEL = { online: "online", away: "away", offline: "offline" };
const ERROR_TEXT = {
  opted_out: "This contact opted out of SMS (they sent STOP). Nothing was sent.",
  window_closed: "The WhatsApp 24-hour window is closed. Nothing was sent.",
  not_configured: "This channel is not configured for your company.",
  not_found: "That conversation (or agent) no longer exists.",
  rate_limited: "Slow down: too many actions at once.",
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

const state = {
  token: null,
  ws: null,
  attempt: 0,
  reconnectTimer: null,
  pingTimer: null,
  me: null,                // this agent's id (welcome)
  role: null,              // "owner" | "agent" (GET /api/agents/me)
  agents: new Map(),       // agent id -> {id, name, email, role, status, version}
  counts: null,            // the latest inbox.counts
  view: "all",             // whose: "mine" | "unassigned" | "all"
  status: "open",          // which inbox status the list shows
  canned: [],              // the company's canned responses
  pick: { open: false, items: [], index: 0, start: 0 }, // the "/" list in the reply box
  convs: new Map(),        // id -> Conversation (+ unread)
  messages: new Map(),     // conversation id -> Map(message id -> Message), for opened conversations
  notes: new Map(),        // conversation id -> Map(note id -> Note), for opened conversations
  streams: new Map(),      // reply_id -> {conversation_id, parts: []}
  typing: new Map(),       // conversation id -> {visitor|ai: timeout id}
  current: null,
  openedFrom: null,        // the list item, result or contact the open conversation came from
  typingSent: 0,
  typingStop: null,
  newest: null,            // created_at of the newest message held: auth.resume's `since`
};

// ---------- sign in ----------

function showSignIn(message = "") {
  disconnect();
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("signout").hidden = true;
  $("settings-open").hidden = true;
  $("profile-open").hidden = true;
  closeSettings();
  mountOnboarding({ owner: false });
  setConn("offline", "Signed out");
  location.assign("/login"); // accounts: the sign-in page (the message no longer applies)
}

function signIn(token) {
  state.token = token;
  $("signin").hidden = true;
  $("signin-error").textContent = "";
  $("app").hidden = false;
  $("signout").hidden = false;
  connect();
}

// ---------- socket ----------

function setConn(kind, text) {
  $("conn").dataset.state = kind;
  $("conn").textContent = text;
}

function connect() {
  clearTimeout(state.reconnectTimer);
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws/agent`;
  const ws = new WebSocket(url);
  state.ws = ws;
  setConn("connecting", state.attempt ? "Reconnecting…" : "Connecting…");
  ws.onopen = async () => ws.send(JSON.stringify({ type: "auth", token: await socketToken(), resume: resumeFrom() }));
  ws.onmessage = (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch { return; }
    handle(frame);
  };
  ws.onclose = (ev) => {
    if (state.ws !== ws) return; // replaced or signed out
    state.ws = null;
    clearInterval(state.pingTimer);
    if (ev.code === 4401) return showSignIn("Invalid or expired token");
    scheduleReconnect();
  };
}

// What this inbox holds, so a reconnect is sent every message it missed meanwhile, in
// every conversation, not only the 200 of the snapshot (docs/protocol.md, resume).
function resumeFrom() {
  if (!state.newest) return undefined;
  const recent = [...state.convs.values()]
    .sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || ""))
    .slice(0, 1000);
  const seqs = {};
  for (const c of recent) if (c.last_seq) seqs[c.id] = c.last_seq;
  return { since: state.newest, seqs };
}

function scheduleReconnect() {
  const base = Math.min(30_000, 500 * 2 ** state.attempt);
  const delay = Math.round(base / 2 + Math.random() * base / 2); // jitter
  state.attempt += 1;
  setConn("offline", `Disconnected — retrying in ${Math.ceil(delay / 1000)} s`);
  state.reconnectTimer = setTimeout(connect, delay);
}

function disconnect() {
  clearTimeout(state.reconnectTimer);
  clearInterval(state.pingTimer);
  const ws = state.ws;
  state.ws = null;
  if (ws) ws.close(1000);
}

function send(frame) {
  if (state.ws?.readyState !== WebSocket.OPEN) return false;
  state.ws.send(JSON.stringify(frame));
  return true;
}

function handle(f) {
  onboardingFrame(f); // a test SMS or a first visit ticks the walkthrough's checklist
  switch (f.type) {
    case "welcome":
      state.attempt = 0;
      state.me = f.agent_id;
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
      loadProfile();
      loadCanned();
      break;
    case "inbox.snapshot":
      for (const c of f.conversations || []) {
        upsertConv(c);
        const at = c.last_message?.created_at;
        if (at && at > (state.newest || "")) state.newest = at;
      }
      setConn("online", "Connected");
      renderList();
      loadFiltered(); // the snapshot is the 200 most recent: fill in the chosen view
      if (state.current) { loadHistory(state.current); loadNotes(state.current); } // missed while away
      break;
    case "presence.snapshot":
      state.agents = new Map((f.agents || []).map((a) => [a.id, a]));
      renderTeam();
      if (state.current) renderAllMessages(); // authors renamed while this socket was away
      break;
    case "presence.updated": onPresence(f); break;
    case "agent.updated": onAgent(f.agent); break;
    case "inbox.counts":
      state.counts = f;
      renderCounts();
      break;
    case "note.created": onNote(f.note); break;
    case "message.created": onMessage(f.message, true); break;
    case "message.updated": onMessage(f.message, false); break;
    case "conversation.rated": { // the visitor's satisfaction rating
      const conv = state.convs.get(f.conversation_id);
      if (conv) conv.rating = f.rating;
      if (f.conversation_id === state.current) renderHead();
      break;
    }
    case "conversation.updated":
      upsertConv(f.conversation);
      renderList();
      if (f.conversation.id === state.current) renderHead();
      break;
    case "ai.delta": onDelta(f); break;
    case "typing": onTyping(f); break;
    case "stats.updated":
      $("visits").textContent = String(f.visits ?? 0);
      $("engaged").textContent = String(f.engaged_visits ?? 0);
      break;
    case "error": {
      const friendly = ERROR_TEXT[f.code];
      showAlert(friendly && f.message ? `${friendly} (${f.message})` : friendly || f.message || f.code, f.code);
      break;
    }
  }
}

// ---------- state updates ----------

function upsertConv(c) {
  const old = state.convs.get(c.id);
  const merged = { ...old, ...c, unread: old?.unread ?? 0, seen_seq: old ? old.seen_seq : c.last_seq ?? 0 };
  if (old?.last_message && c.last_message && old.last_message.seq > c.last_message.seq) {
    merged.last_message = old.last_message;
  }
  state.convs.set(c.id, merged);
  return merged;
}

function mergeStatus(old, msg) {
  if (!old) return msg;
  return (STATUS_RANK[old.status] ?? -1) > (STATUS_RANK[msg.status] ?? -1)
    ? { ...msg, status: old.status, error: old.error } : msg;
}

function onMessage(m, created) {
  if (!m) return;
  if (m.created_at > (state.newest || "")) state.newest = m.created_at;
  let conv = state.convs.get(m.conversation_id);
  if (!conv) {
    if (!created) return;
    conv = upsertConv({ id: m.conversation_id, channel: m.channel, handled_by: "ai", handoff: "ai",
      handoff_actions: ["takeover"], needs_human: false, inbox_status: "open", assignee_id: null,
      contact: {}, last_message: null, last_seq: 0, updated_at: m.created_at });
  }
  const msgs = state.messages.get(m.conversation_id);
  const known = msgs?.has(m.id);
  if (msgs) msgs.set(m.id, mergeStatus(msgs.get(m.id), m));
  if (!conv.last_message || conv.last_message.seq <= m.seq) {
    conv.last_message = mergeStatus(conv.last_message?.id === m.id ? conv.last_message : null, m);
  }
  if (created) {
    const isNew = !known && m.seq > (conv.seen_seq ?? 0);
    conv.last_seq = Math.max(conv.last_seq ?? 0, m.seq);
    if (m.created_at > (conv.updated_at || "")) conv.updated_at = m.created_at;
    const seen = m.conversation_id === state.current && document.visibilityState === "visible";
    if (isNew && (m.sender === "visitor" || m.sender === "contact") && !seen) {
      conv.unread = (conv.unread || 0) + 1;
    }
    if (isNew && (m.sender === "visitor" || m.sender === "contact")) notifier.inbound(conv, m, state.me);
    conv.seen_seq = Math.max(conv.seen_seq ?? 0, m.seq);
    if (m.direction === "inbound") onTyping({ conversation_id: m.conversation_id, sender: "visitor", active: false });
    if (state.streams.has(m.id)) {
      state.streams.delete(m.id);
      document.querySelector(`[data-reply-id="${CSS.escape(m.id)}"]`)?.remove();
    }
  }
  renderList();
  if (m.agent_id && !state.agents.has(m.agent_id)) learnTeam(m.agent_id);
  if (m.conversation_id === state.current) renderMessage(msgs?.get(m.id) ?? m);
}

function onDelta(f) {
  let s = state.streams.get(f.reply_id);
  if (!s) state.streams.set(f.reply_id, (s = { conversation_id: f.conversation_id, parts: [] }));
  s.parts[f.index] = f.text;
  if (f.conversation_id === state.current) renderStream(f.reply_id, s);
}

function onPresence(f) {
  const held = state.agents.get(f.agent_id);
  if (held && (held.version ?? 0) >= f.version) return; // an older change, arriving late
  state.agents.set(f.agent_id, { ...(held || { id: f.agent_id }), status: f.status, version: f.version });
  if (!held?.name && !held?.email) learnTeam(f.agent_id); // joined after this page loaded
  renderTeam();
}

// A teammate joined or changed name or avatar: the team, and every reply of theirs shown.
function onAgent(a) {
  if (!a?.id) return;
  state.agents.set(a.id, { status: "offline", version: 0, ...state.agents.get(a.id), ...a });
  profileUpdated(a);
  renderTeam();
  for (const m of state.messages.get(state.current)?.values() || []) if (m.agent_id === a.id) renderMessage(m);
}

// An agent this inbox has not heard of (made where no agent.updated was sent, e.g. `hub
// token`): ask once who the team is.
const asked = new Set();
function learnTeam(id) {
  if (asked.has(id)) return;
  asked.add(id);
  api("/api/presence").then((page) => {
    for (const a of page?.agents || []) {
      const held = state.agents.get(a.id);
      const newer = held && (held.version ?? 0) > (a.version ?? 0);
      onAgent(newer ? { ...a, status: held.status, version: held.version } : a);
    }
  });
}

// Who wrote an agent reply: the teammate as the team knows them now, else the reply's own
// From line (an agent since removed), else "Agent".
function authorOf(m) {
  const a = m.agent_id ? state.agents.get(m.agent_id) : null;
  const name = a?.name || m.sender_name || a?.email || SENDER_LABEL.agent;
  return { name, avatar: a ? a.avatar_url : m.avatar_url };
}

function onNote(n) {
  if (!n) return;
  const notes = state.notes.get(n.conversation_id);
  if (notes) notes.set(n.id, n);
  if (n.conversation_id === state.current) renderNote(n);
}

function onTyping(f) {
  if (f.sender === "agent") return; // our own echo is indistinguishable from other agents'
  const t = state.typing.get(f.conversation_id) || {};
  clearTimeout(t[f.sender]);
  delete t[f.sender];
  if (f.active) t[f.sender] = setTimeout(() => onTyping({ ...f, active: false }), 15_000);
  state.typing.set(f.conversation_id, t);
  if (f.sender === "ai" && !f.active) {
    // a reply that was stopped never gets its message.created: drop leftover streams
    for (const [id, s] of state.streams) {
      if (s.conversation_id === f.conversation_id) {
        state.streams.delete(id);
        document.querySelector(`[data-reply-id="${CSS.escape(id)}"]`)?.remove();
      }
    }
  }
  if (f.conversation_id === state.current) renderTyping();
}

// ---------- conversation list ----------

function contactName(c) {
  return contactLabel(c.contact);
}

function preview(m) {
  if (!m) return "No messages yet";
  if (m.text) return m.text;
  return m.attachments?.length ? `[${m.attachments[0].name || m.type || "attachment"}]` : "";
}

function shown(c) {
  if ((c.inbox_status || "open") !== state.status) return false;
  if (state.view === "mine") return c.assignee_id === state.me;
  if (state.view === "unassigned") return !c.assignee_id;
  return true;
}

function renderList() {
  const list = $("list");
  const convs = [...state.convs.values()].filter(shown).sort((a, b) =>
    (b.updated_at || "").localeCompare(a.updated_at || ""));
  $("empty").hidden = convs.length > 0;
  const focused = document.activeElement?.closest?.("[data-conversation-id]")?.dataset.conversationId;
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  convs.forEach((c, i) => {
    let li = existing.get(c.id);
    existing.delete(c.id);
    if (!li) li = el("div", { role: "listitem", className: "item" });
    li.dataset.id = c.id;
    li.replaceChildren(convButton(c));
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  for (const li of existing.values()) li.remove(); // filtered out, or gone
  notifier.title(state.convs.values());
  if (focused) list.querySelector(`[data-conversation-id="${CSS.escape(focused)}"]`)?.focus();
}

function countOf(view, status) {
  const counts = state.counts;
  if (!counts) return null;
  const group = view === "all" ? counts.all : view === "unassigned" ? counts.unassigned
    : counts.by_assignee?.[state.me];
  return group?.[status] ?? 0;
}

function renderCounts() {
  for (const btn of $("views").querySelectorAll("[data-view]")) {
    const n = countOf(btn.dataset.view, state.status);
    btn.querySelector("[data-count]").textContent = n == null ? "" : String(n);
    btn.setAttribute("aria-pressed", String(btn.dataset.view === state.view));
  }
  for (const btn of $("statuses").querySelectorAll("[data-status]")) {
    const n = countOf(state.view, btn.dataset.status);
    btn.querySelector("[data-count]").textContent = n == null ? "" : String(n);
    btn.setAttribute("aria-pressed", String(btn.dataset.status === state.status));
  }
}

function choose(view, status) {
  state.view = view;
  state.status = status;
  renderCounts();
  renderList();
  loadFiltered();
}

async function loadFiltered() {
  const params = new URLSearchParams({ status: state.status });
  if (state.view === "mine") params.set("assignee", "me");
  if (state.view === "unassigned") params.set("assignee", "none");
  const page = await api(`/api/conversations?${params}`);
  if (!page) return;
  for (const c of page.conversations || []) upsertConv(c);
  renderList();
}

function agentName(id) {
  if (!id) return "";
  const a = state.agents.get(id);
  return a?.name || a?.email || (id === state.me ? "You" : "An agent");
}

function renderTeam() {
  const items = [...state.agents.values()].map((a) => {
    const named = a.name || a.email?.split("@")[0]; // short: the header keeps to one line
    const label = a.id === state.me ? (named ? `${named} (you)` : "You") : named || "An agent";
    const li = el("li", {}, a.avatar_url ? avatarNode(a.avatar_url, named) : null, label,
      el("span", { className: "sr-only", textContent: `: ${PRESENCE_LABEL[a.status] || a.status}` }));
    li.dataset.agentId = a.id;
    li.dataset.presence = a.status;
    li.title = `${a.name || a.email || label}: ${PRESENCE_LABEL[a.status] || a.status}`;
    return li;
  });
  $("team").replaceChildren(...items);
  const mine = state.agents.get(state.me);
  $("presence").disabled = !mine;
  if (mine && mine.status !== "offline") $("presence").value = mine.status;
  if (state.current) renderHead();
}

function convButton(c) {
  const unread = c.unread || 0;
  const btn = el("button", { type: "button", className: "conv" },
    el("span", { className: "name", textContent: contactName(c) }),
    el("span", { className: `channel ch-${c.channel}`, textContent: c.channel }),
    c.needs_human ? el("span", { className: "badge", textContent: "Needs human" }) : null,
    el("span", { className: "preview", textContent: preview(c.last_message) }),
    el("span", { className: "owner", textContent: c.assignee_id ? agentName(c.assignee_id) : "Unassigned" },
      whereAndWhen(c.visitor?.timezone) ? el("span", { className: "place", textContent: ` · ${whereAndWhen(c.visitor.timezone)}` }) : null),
    timeNode(c.last_message?.created_at || c.updated_at),
  );
  const count = el("span", { className: "unread", textContent: String(unread), hidden: unread === 0 });
  count.dataset.unread = String(unread);
  btn.append(count, el("span", { className: "sr-only", textContent: unread ? " unread" : "" }));
  btn.dataset.conversationId = c.id;
  btn.dataset.channel = c.channel;
  btn.dataset.needsHuman = String(!!c.needs_human);
  btn.dataset.status = c.inbox_status || "open";
  btn.dataset.assignee = c.assignee_id || "";
  if (c.id === state.current) btn.setAttribute("aria-current", "true");
  btn.addEventListener("click", () => openConv(c.id));
  return btn;
}

// ---------- conversation view ----------

async function openConv(id) {
  closeSettings(); // a notification's click opens a conversation from the settings view too
  closeOnboarding();
  state.openedFrom = document.activeElement?.closest?.("[data-conversation-id]") || null;
  state.current = id;
  const conv = state.convs.get(id);
  if (conv) conv.unread = 0;
  if (!state.messages.has(id)) state.messages.set(id, new Map());
  $("placeholder").hidden = true;
  $("conversation").hidden = false;
  document.body.classList.add("viewing");
  $("log").replaceChildren();
  closeContact();
  $("context").open = contextOpen(); // closed unless the agent opened it (remembered)
  renderHead();
  renderAllMessages();
  renderTyping();
  renderList();
  $("view-title").focus();
  if (!state.notes.has(id)) state.notes.set(id, new Map());
  // Canned responses are read again with each conversation opened: owners change them.
  await Promise.all([loadHistory(id), loadNotes(id), loadCanned()]);
}

async function api(path, options = {}) {
  try {
    const res = await fetch(path, { ...options, headers: { ...authHeaders(),
      ...(options.body ? { "Content-Type": "application/json" } : {}) } });
    if (res.status === 401) { showSignIn("Invalid or expired token"); return null; }
    if (res.status === 204) return {};
    const body = await res.json().catch(() => ({}));
    if (!res.ok) { showAlert(body.error?.message || `HTTP ${res.status}`, body.error?.code || ""); return null; }
    return body;
  } catch (err) {
    showAlert(`Could not reach the hub: ${err.message}`);
    return null;
  }
}

async function loadNotes(id) {
  const res = await fetch(`/api/conversations/${encodeURIComponent(id)}/notes`, {
    headers: authHeaders() }).catch(() => null);
  if (!res || !res.ok) return; // 404: a widget conversation not stored yet
  const notes = state.notes.get(id) || new Map();
  state.notes.set(id, notes);
  for (const n of (await res.json()).notes || []) notes.set(n.id, n);
  if (id === state.current) for (const n of notes.values()) renderNote(n);
}

async function loadProfile() {
  const me = await api("/api/agents/me");
  state.role = me?.role || null;
  notifier.profile(me);
  $("canned-admin").hidden = state.role !== "owner";
  mountSettings({ owner: state.role === "owner", me: me?.id, token: () => state.token, signOut: showSignIn });
  mountOnboarding({ owner: state.role === "owner" });
  mountProfile({ token: () => state.token, me, onChange: onAgent });
}

async function loadCanned() {
  const page = await api("/api/canned-responses");
  state.canned = page?.responses || [];
  renderCannedAdmin();
}

async function loadHistory(id) {
  const msgs = state.messages.get(id) || new Map();
  state.messages.set(id, msgs);
  try {
    let after = 0;
    for (;;) {
      const res = await fetch(`/api/conversations/${encodeURIComponent(id)}/messages?after_seq=${after}`, {
        headers: authHeaders(),
      });
      if (res.status === 401) return showSignIn("Invalid or expired token");
      if (res.status === 404) return; // a widget conversation not stored yet
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const page = (await res.json()).messages || [];
      for (const m of page) msgs.set(m.id, mergeStatus(msgs.get(m.id), m));
      if (page.length < 500) break;
      after = page[page.length - 1].seq;
    }
    if (id === state.current) renderAllMessages();
  } catch (err) {
    if (id === state.current) showAlert(`Could not load messages: ${err.message}`);
  }
}

function renderHead() {
  const c = state.convs.get(state.current);
  if (!c) return;
  $("view-title").textContent = `${contactName(c)} · ${c.channel}`;
  $("view-place").textContent = whereAndWhen(c.visitor?.timezone);
  const handoff = c.handoff || c.handled_by;
  $("handled-by").textContent = handoff === "human" ? (agentName(c.assignee_id) || "Human")
    : handoff === "waiting" ? "Waiting for an agent" : "AI";
  $("handled-by").dataset.handoff = handoff;
  $("view-needs-human").hidden = !c.needs_human;
  // Only the actions that would change who answers (the hub says which).
  const actions = c.handoff_actions || (handoff === "human" ? ["release"] : ["takeover"]);
  $("takeover").disabled = !actions.includes("takeover");
  $("release").disabled = !actions.includes("release");
  const attach = $("attach");
  if (attach) attach.hidden = c.channel !== "widget"; // SMS and WhatsApp refuse files (not_supported)
  const status = c.inbox_status || "open";
  const badge = $("view-status");
  badge.dataset.status = status;
  badge.textContent = status === "snoozed" && c.snoozed_until
    ? `Snoozed until ${new Date(c.snoozed_until).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}`
    : STATUS_LABEL[status] || status;
  $("resolve").hidden = status === "resolved";
  $("reopen").hidden = status === "open";
  $("pending").hidden = status === "pending";
  const select = $("assignee");
  const options = [el("option", { value: "", textContent: "Unassigned" })];
  for (const a of state.agents.values()) {
    options.push(el("option", { value: a.id, textContent: `${agentName(a.id)} (${PRESENCE_LABEL[a.status] || a.status})` }));
  }
  if (c.assignee_id && !state.agents.has(c.assignee_id)) {
    options.push(el("option", { value: c.assignee_id, textContent: agentName(c.assignee_id) }));
  }
  select.replaceChildren(...options);
  select.value = c.assignee_id || "";
  const rows = [];
  const add = (k, v) => { if (v) rows.push(el("dt", { textContent: k }), el("dd", { textContent: v })); };
  add("Channel", c.channel);
  add("Name", c.contact?.name);
  add("Phone", c.contact?.phone);
  add("Email", c.contact?.email);
  if (c.rating) add("Rating", `${c.rating.score}/5${c.rating.comment ? ` — “${c.rating.comment}”` : ""}`);
  const lead = c.contact?.lead;
  if (lead) { add("Need", lead.need); add("Budget", lead.budget); add("Timeline", lead.timeline); }
  if (c.visitor) {
    add("Page", c.visitor.page_url);
    add("Browser", c.visitor.browser);
    add("Device", c.visitor.device);
    add("IP address", c.visitor.ip_address);
  }
  $("context-list").replaceChildren(...rows);
  $("context").hidden = rows.length === 0;
}

function renderAllMessages() {
  const msgs = [...(state.messages.get(state.current)?.values() || [])].sort((a, b) => a.seq - b.seq);
  for (const m of msgs) renderMessage(m);
  for (const n of state.notes.get(state.current)?.values() || []) renderNote(n);
  for (const [id, s] of state.streams) if (s.conversation_id === state.current) renderStream(id, s);
}

function messageNode(m) {
  const time = m.created_at ? new Date(m.created_at) : null;
  const author = m.sender === "agent" ? authorOf(m) : null;
  const who = el("span", { className: "who", textContent: author ? author.name : SENDER_LABEL[m.sender] || m.sender });
  const node = el("div", { className: `msg ${m.direction || ""} from-${m.sender}` },
    author ? el("span", { className: "author" }, avatarNode(author.avatar, author.name), who) : who,
    m.text ? el("p", { className: "text", textContent: m.text }) : null);
  for (const a of m.attachments || []) {
    const upload = attachmentNode(a, state.token);
    if (upload) {
      node.append(upload);
    } else if (a.url && /^https?:/i.test(a.url)) {
      node.append(el("a", { href: a.url, target: "_blank", rel: "noopener noreferrer",
        className: "attachment", textContent: a.filename || a.content_type || "attachment" }));
    } else if (a.type === "location") {
      node.append(el("span", { className: "attachment", textContent: `Location ${a.latitude}, ${a.longitude}` }));
    }
  }
  const meta = el("span", { className: "meta" });
  if (time) meta.append(el("time", { dateTime: m.created_at, textContent: time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
  if (m.direction === "outbound" && m.channel !== "widget") {
    const st = el("span", { className: `status st-${m.status}`, textContent: ` · ${m.status}` });
    if (m.status === "failed") st.textContent += `: ${m.error?.message || m.error?.code || "not sent"}`;
    meta.append(st);
  }
  node.append(meta);
  Object.assign(node.dataset, { messageId: m.id, seq: String(m.seq), sender: m.sender, status: m.status,
    createdAt: m.created_at || "", agentId: m.agent_id || "" });
  return node;
}

function renderMessage(m) {
  const log = $("log");
  const node = messageNode(m);
  const old = log.querySelector(`[data-message-id="${CSS.escape(m.id)}"]`);
  const stream = log.querySelector(`[data-reply-id="${CSS.escape(m.id)}"]`);
  if (old) return old.replaceWith(node);
  if (stream) return stream.replaceWith(node);
  const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
  const after = [...log.querySelectorAll("[data-message-id]")].find((n) => Number(n.dataset.seq) > m.seq);
  log.insertBefore(node, after || log.querySelector("[data-reply-id]"));
  if (stick) log.scrollTop = log.scrollHeight;
}

function noteNode(n) {
  const time = n.created_at ? new Date(n.created_at) : null;
  const node = el("div", { className: "msg note" },
    el("span", { className: "who", textContent: `Private note · ${agentName(n.agent_id) || "Agent"}` }),
    el("p", { className: "text", textContent: n.text }));
  const meta = el("span", { className: "meta", textContent: "Only your team sees this" });
  if (time) meta.prepend(el("time", { dateTime: n.created_at, textContent: `${time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} · ` }));
  node.append(meta);
  Object.assign(node.dataset, { noteId: n.id, private: "true", createdAt: n.created_at });
  return node;
}

function renderNote(n) {
  const log = $("log");
  const node = noteNode(n);
  const old = log.querySelector(`[data-note-id="${CSS.escape(n.id)}"]`);
  if (old) return old.replaceWith(node);
  const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
  // In time order among the messages and notes: before the first one written after it.
  const after = [...log.querySelectorAll("[data-message-id],[data-note-id]")]
    .find((x) => (x.dataset.createdAt || "") > n.created_at);
  log.insertBefore(node, after || log.querySelector("[data-reply-id]"));
  if (stick) log.scrollTop = log.scrollHeight;
}

function renderStream(replyId, s) {
  const log = $("log");
  let node = log.querySelector(`[data-reply-id="${CSS.escape(replyId)}"]`);
  if (!node) {
    node = el("div", { className: "msg outbound from-ai streaming" },
      el("span", { className: "who", textContent: "AI" }), el("p", { className: "text" }));
    node.dataset.replyId = replyId;
    node.dataset.sender = "ai";
    node.setAttribute("aria-busy", "true");
    log.append(node);
  }
  node.querySelector(".text").textContent = s.parts.join("");
  log.scrollTop = log.scrollHeight;
}

function renderTyping() {
  const t = state.typing.get(state.current) || {};
  const who = Object.keys(t).map((k) => (k === "ai" ? "AI" : SENDER_LABEL[k] || k));
  $("typing").textContent = who.length ? `${who.join(" and ")} ${who.length > 1 ? "are" : "is"} typing…` : "";
}

// ---------- alerts ----------

let alertTimer;
function showAlert(text, code = "") {
  $("alert-text").textContent = text;
  $("alert").dataset.code = code;
  $("alert").hidden = false;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { $("alert").hidden = true; }, 12_000);
}

// ---------- actions ----------

function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sendReply() {
  const box = $("reply-text");
  const text = box.value;
  if (!text.trim() || !state.current) return;
  const note = $("note-mode").checked;
  const frame = note ? { type: "note.create", conversation_id: state.current, client_id: clientId(), text }
    : { type: "message.send", conversation_id: state.current, client_id: clientId(), text };
  if (!send(frame)) {
    return showAlert(`Not connected: the ${note ? "note" : "reply"} was not sent. It will be kept here.`);
  }
  box.value = "";
  closePicker();
  if (!note) stopTyping();
}

function setNoteMode() {
  const note = $("note-mode").checked;
  $("reply").classList.toggle("noting", note);
  if ($("attach")) $("attach").disabled = note; // a file would go to the contact: notes carry none
  $("send").textContent = note ? "Add note" : "Send reply";
  $("reply-text").placeholder = note ? "A private note: only your team sees it"
    : "Type a reply… (Enter sends, Shift+Enter for a new line, / for canned responses)";
  if (note) stopTyping();
}

function setStatus(status, until) {
  if (!state.current) return;
  const frame = { type: "conversation.status", conversation_id: state.current, status };
  if (until) frame.snoozed_until = until.toISOString();
  send(frame);
}

function snoozeUntil(choice) {
  if (choice === "tomorrow") {
    const t = new Date();
    t.setDate(t.getDate() + 1);
    t.setHours(9, 0, 0, 0);
    return t;
  }
  return new Date(Date.now() + Number(choice) * 1000);
}

// ---------- canned responses: "/" in the reply box ----------

function pickerQuery() {
  const box = $("reply-text");
  const before = box.value.slice(0, box.selectionStart);
  const match = /(^|\s)\/([\w-]*)$/.exec(before);
  return match ? { start: before.length - match[2].length - 1, query: match[2].toLowerCase() } : null;
}

function updatePicker() {
  const found = pickerQuery();
  if (!found || !state.canned.length) return closePicker();
  const items = state.canned.filter((r) => r.shortcut.toLowerCase().startsWith(found.query));
  if (!items.length) return closePicker();
  state.pick = { open: true, items, index: Math.min(state.pick.open ? state.pick.index : 0, items.length - 1), start: found.start };
  renderPicker();
}

function renderPicker() {
  const list = $("canned");
  const { items, index } = state.pick;
  list.replaceChildren(...items.map((r, i) => {
    const option = el("div", { role: "option", id: `canned-${i}`, className: "option" },
      el("strong", { textContent: `/${r.shortcut}` }), el("span", { textContent: ` ${r.text}` }));
    option.dataset.shortcut = r.shortcut;
    option.setAttribute("aria-selected", String(i === index));
    option.addEventListener("mousedown", (e) => { e.preventDefault(); insertCanned(i); });
    return option;
  }));
  list.hidden = false;
  $("reply-text").setAttribute("aria-expanded", "true");
  $("reply-text").setAttribute("aria-activedescendant", `canned-${index}`);
}

function closePicker() {
  state.pick = { open: false, items: [], index: 0, start: 0 };
  $("canned").hidden = true;
  $("canned").replaceChildren();
  $("reply-text").setAttribute("aria-expanded", "false");
  $("reply-text").removeAttribute("aria-activedescendant");
}

function insertCanned(i) {
  const r = state.pick.items[i];
  if (!r) return;
  const box = $("reply-text");
  const end = box.selectionStart;
  box.value = box.value.slice(0, state.pick.start) + r.text + box.value.slice(end);
  const caret = state.pick.start + r.text.length;
  box.setSelectionRange(caret, caret);
  closePicker();
  box.focus();
}

function pickerKey(e) {
  if (!state.pick.open) return false;
  const n = state.pick.items.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    state.pick.index = (state.pick.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
    renderPicker();
  } else if (e.key === "Enter" || e.key === "Tab") {
    insertCanned(state.pick.index);
  } else if (e.key === "Escape") {
    closePicker();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

function renderCannedAdmin() {
  const rows = state.canned.map((r) => {
    const del = el("button", { type: "button", textContent: "Delete" });
    del.setAttribute("aria-label", `Delete /${r.shortcut}`);
    del.addEventListener("click", async () => {
      if (await api(`/api/canned-responses/${encodeURIComponent(r.id)}`, { method: "DELETE" })) loadCanned();
    });
    return el("li", {}, el("strong", { textContent: `/${r.shortcut}` }), el("span", { textContent: ` ${r.text} ` }), del);
  });
  $("canned-list").replaceChildren(...rows);
}

async function saveCanned(e) {
  e.preventDefault();
  const body = JSON.stringify({ shortcut: $("canned-shortcut").value.trim(), text: $("canned-text").value });
  if (await api("/api/canned-responses", { method: "POST", body })) {
    $("canned-shortcut").value = "";
    $("canned-text").value = "";
    loadCanned();
  }
}

function stopTyping() {
  clearTimeout(state.typingStop);
  if (state.typingSent && state.current) send({ type: "typing", conversation_id: state.current, active: false });
  state.typingSent = 0;
}

function onInput() {
  if (!state.current) return;
  const now = Date.now();
  if (now - state.typingSent > 3000) {
    send({ type: "typing", conversation_id: state.current, active: true });
    state.typingSent = now;
  }
  clearTimeout(state.typingStop);
  state.typingStop = setTimeout(stopTyping, 4000);
}

const notifier = createNotifier({ api, open: (id) => openConv(id) });

function init() {
  $("signin").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (token) { $("token").value = ""; signIn(token); }
  });
  $("signout").addEventListener("click", () => { disconnect(); signOut(); });
  $("alert-close").addEventListener("click", () => { $("alert").hidden = true; });
  $("reply").addEventListener("submit", (e) => { e.preventDefault(); sendReply(); });
  setupAttach($("reply"), { token: () => state.token, conversation: () => state.current, send, clientId,
    alert: showAlert, blocked: () => $("note-mode").checked });
  $("reply-text").addEventListener("keydown", (e) => {
    if (pickerKey(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
  });
  $("reply-text").addEventListener("input", () => { updatePicker(); if (!$("note-mode").checked) onInput(); });
  $("reply-text").addEventListener("blur", () => { stopTyping(); closePicker(); });
  $("note-mode").addEventListener("change", setNoteMode);
  $("resolve").addEventListener("click", () => setStatus("resolved"));
  $("reopen").addEventListener("click", () => setStatus("open"));
  $("pending").addEventListener("click", () => setStatus("pending"));
  onChosen($("snooze"), (value) => {
    if (value) setStatus("snoozed", snoozeUntil(value));
    $("snooze").value = "";
  });
  onChosen($("assignee"), (value) => state.current &&
    send({ type: "conversation.assign", conversation_id: state.current, agent_id: value || null }));
  onChosen($("presence"), (value) => send({ type: "presence.set", status: value }));
  for (const btn of $("views").querySelectorAll("[data-view]")) {
    btn.addEventListener("click", () => choose(btn.dataset.view, state.status));
  }
  for (const btn of $("statuses").querySelectorAll("[data-status]")) {
    btn.addEventListener("click", () => choose(state.view, btn.dataset.status));
  }
  $("canned-form").addEventListener("submit", saveCanned);
  $("takeover").addEventListener("click", () =>
    state.current && send({ type: "conversation.takeover", conversation_id: state.current }));
  $("release").addEventListener("click", () =>
    state.current && send({ type: "conversation.release", conversation_id: state.current }));
  $("back").addEventListener("click", () => {
    document.body.classList.remove("viewing");
    // Back where it was opened: the list, or a search result or contact (the list is hidden
    // while they show). The list's buttons are redrawn, so the one clicked may be gone.
    const id = CSS.escape(state.current || "");
    const shownNow = (n) => n?.isConnected && n.offsetParent !== null;
    [state.openedFrom, ...document.querySelectorAll(`.inbox [data-conversation-id="${id}"]`)]
      .find(shownNow)?.focus();
  });
  initSearch({ api, open: openFound });
  followLog($("log")); // at the end while there, whatever loads late (images)
  initContact({ api, open: openFound, current: () => state.convs.get(state.current), label: contactName,
    edited: (contact) => { // the list and the header name them as the page now does
      for (const c of state.convs.values()) if (c.contact?.id === contact.id) Object.assign(c.contact, contact);
      renderList();
      renderHead();
    } });
  // Back in the tab: what came into the open conversation meanwhile has now been seen.
  document.addEventListener("visibilitychange", () => {
    const conv = state.convs.get(state.current);
    if (document.visibilityState === "visible" && conv?.unread) { conv.unread = 0; renderList(); }
  });
  startSession().then((ok) => (ok ? signIn(null) : showSignIn()));
}

// A search result or contact may name a conversation outside the loaded list.
async function openFound(id) {
  if (!state.convs.has(id)) {
    const conv = await api(`/api/conversations/${encodeURIComponent(id)}`);
    if (!conv) return;
    upsertConv(conv);
  }
  openConv(id);
}

init();
