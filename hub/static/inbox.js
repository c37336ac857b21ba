// LeadOp Hub agent inbox. Framework-free ES module; protocol in docs/protocol.md.
const TOKEN_KEY = "leadop.agentToken";
const PING_MS = 25_000;
const STATUS_RANK = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
const SENDER_LABEL = { visitor: "Visitor", contact: "Contact", agent: "Agent", ai: "AI" };
const ERROR_TEXT = {
  opted_out: "This contact opted out of SMS (they sent STOP). Nothing was sent.",
  window_closed: "The WhatsApp 24-hour window is closed. Nothing was sent.",
  not_configured: "This channel is not configured for your company.",
  not_found: "That conversation no longer exists.",
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
  convs: new Map(),        // id -> Conversation (+ unread)
  messages: new Map(),     // conversation id -> Map(message id -> Message), for opened conversations
  streams: new Map(),      // reply_id -> {conversation_id, parts: []}
  typing: new Map(),       // conversation id -> {visitor|ai: timeout id}
  current: null,
  typingSent: 0,
  typingStop: null,
};

// ---------- sign in ----------

function takeToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, "", location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function showSignIn(message = "") {
  disconnect();
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  setConn("offline", "Signed out");
  $("token").focus();
}

function signIn(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
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
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: state.token }));
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
  switch (f.type) {
    case "welcome":
      state.attempt = 0;
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
      break;
    case "inbox.snapshot":
      for (const c of f.conversations || []) upsertConv(c);
      setConn("online", "Connected");
      renderList();
      if (state.current) loadHistory(state.current); // statuses missed while away
      break;
    case "message.created": onMessage(f.message, true); break;
    case "message.updated": onMessage(f.message, false); break;
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
  let conv = state.convs.get(m.conversation_id);
  if (!conv) {
    if (!created) return;
    conv = upsertConv({ id: m.conversation_id, channel: m.channel, handled_by: "ai",
      needs_human: false, contact: {}, last_message: null, last_seq: 0, updated_at: m.created_at });
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
    if (isNew && (m.sender === "visitor" || m.sender === "contact") && m.conversation_id !== state.current) {
      conv.unread = (conv.unread || 0) + 1;
    }
    conv.seen_seq = Math.max(conv.seen_seq ?? 0, m.seq);
    if (m.direction === "inbound") onTyping({ conversation_id: m.conversation_id, sender: "visitor", active: false });
    if (state.streams.has(m.id)) {
      state.streams.delete(m.id);
      document.querySelector(`[data-reply-id="${CSS.escape(m.id)}"]`)?.remove();
    }
  }
  renderList();
  if (m.conversation_id === state.current) renderMessage(msgs?.get(m.id) ?? m);
}

function onDelta(f) {
  let s = state.streams.get(f.reply_id);
  if (!s) state.streams.set(f.reply_id, (s = { conversation_id: f.conversation_id, parts: [] }));
  s.parts[f.index] = f.text;
  if (f.conversation_id === state.current) renderStream(f.reply_id, s);
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
  return c.contact?.name || c.contact?.phone || "Visitor";
}

function preview(m) {
  if (!m) return "No messages yet";
  if (m.text) return m.text;
  return m.attachments?.length ? `[${m.type || "attachment"}]` : "";
}

function renderList() {
  const list = $("list");
  const convs = [...state.convs.values()].sort((a, b) =>
    (b.updated_at || "").localeCompare(a.updated_at || ""));
  $("empty").hidden = convs.length > 0;
  const focused = document.activeElement?.closest?.("[data-conversation-id]")?.dataset.conversationId;
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  convs.forEach((c, i) => {
    let li = existing.get(c.id);
    if (!li) li = el("div", { role: "listitem", className: "item" });
    li.dataset.id = c.id;
    li.replaceChildren(convButton(c));
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  if (focused) list.querySelector(`[data-conversation-id="${CSS.escape(focused)}"]`)?.focus();
}

function convButton(c) {
  const unread = c.unread || 0;
  const btn = el("button", { type: "button", className: "conv" },
    el("span", { className: "name", textContent: contactName(c) }),
    el("span", { className: `channel ch-${c.channel}`, textContent: c.channel }),
    c.needs_human ? el("span", { className: "badge", textContent: "Needs human" }) : null,
    el("span", { className: "preview", textContent: preview(c.last_message) }),
  );
  const count = el("span", { className: "unread", textContent: String(unread), hidden: unread === 0 });
  count.dataset.unread = String(unread);
  btn.append(count, el("span", { className: "sr-only", textContent: unread ? " unread" : "" }));
  btn.dataset.conversationId = c.id;
  btn.dataset.channel = c.channel;
  btn.dataset.needsHuman = String(!!c.needs_human);
  if (c.id === state.current) btn.setAttribute("aria-current", "true");
  btn.addEventListener("click", () => openConv(c.id));
  return btn;
}

// ---------- conversation view ----------

async function openConv(id) {
  state.current = id;
  const conv = state.convs.get(id);
  if (conv) conv.unread = 0;
  if (!state.messages.has(id)) state.messages.set(id, new Map());
  $("placeholder").hidden = true;
  $("conversation").hidden = false;
  document.body.classList.add("viewing");
  $("log").replaceChildren();
  $("context").open = matchMedia("(min-width: 721px)").matches;
  renderHead();
  renderAllMessages();
  renderTyping();
  renderList();
  $("view-title").focus();
  await loadHistory(id);
}

async function loadHistory(id) {
  const msgs = state.messages.get(id) || new Map();
  state.messages.set(id, msgs);
  try {
    let after = 0;
    for (;;) {
      const res = await fetch(`/api/conversations/${encodeURIComponent(id)}/messages?after_seq=${after}`, {
        headers: { Authorization: `Bearer ${state.token}` },
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
  const handoff = c.handoff || c.handled_by;
  $("handled-by").textContent = handoff === "human" ? "Human"
    : handoff === "waiting" ? "Waiting for an agent" : "AI";
  $("handled-by").dataset.handoff = handoff;
  $("view-needs-human").hidden = !c.needs_human;
  // Only the actions that would change who answers (the hub says which).
  const actions = c.handoff_actions || (handoff === "human" ? ["release"] : ["takeover"]);
  $("takeover").disabled = !actions.includes("takeover");
  $("release").disabled = !actions.includes("release");
  const rows = [];
  const add = (k, v) => { if (v) rows.push(el("dt", { textContent: k }), el("dd", { textContent: v })); };
  add("Channel", c.channel);
  add("Name", c.contact?.name);
  add("Phone", c.contact?.phone);
  add("Email", c.contact?.email);
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
  for (const [id, s] of state.streams) if (s.conversation_id === state.current) renderStream(id, s);
}

function messageNode(m) {
  const time = m.created_at ? new Date(m.created_at) : null;
  const node = el("div", { className: `msg ${m.direction || ""} from-${m.sender}` },
    el("span", { className: "who", textContent: SENDER_LABEL[m.sender] || m.sender }),
    m.text ? el("p", { className: "text", textContent: m.text }) : null);
  for (const a of m.attachments || []) {
    if (a.url && /^https?:/i.test(a.url)) {
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
  Object.assign(node.dataset, { messageId: m.id, seq: String(m.seq), sender: m.sender, status: m.status });
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
  if (!send({ type: "message.send", conversation_id: state.current, client_id: clientId(), text })) {
    return showAlert("Not connected: the reply was not sent. It will be kept here.");
  }
  box.value = "";
  stopTyping();
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

function init() {
  $("signin").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (token) { $("token").value = ""; signIn(token); }
  });
  $("signout").addEventListener("click", () => showSignIn(""));
  $("alert-close").addEventListener("click", () => { $("alert").hidden = true; });
  $("reply").addEventListener("submit", (e) => { e.preventDefault(); sendReply(); });
  $("reply-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
  });
  $("reply-text").addEventListener("input", onInput);
  $("reply-text").addEventListener("blur", stopTyping);
  $("takeover").addEventListener("click", () =>
    state.current && send({ type: "conversation.takeover", conversation_id: state.current }));
  $("release").addEventListener("click", () =>
    state.current && send({ type: "conversation.release", conversation_id: state.current }));
  $("back").addEventListener("click", () => {
    document.body.classList.remove("viewing");
    $("list").querySelector(`[data-conversation-id="${CSS.escape(state.current || "")}"]`)?.focus();
  });
  const token = takeToken();
  if (token) signIn(token); else showSignIn();
}

init();
