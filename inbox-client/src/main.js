// LeadOp Hub agent inbox (docs/protocol.md): the socket, the actions the components call, and
// the components mounted. The state and how each frame changes it is inbox-state.js; what is
// drawn is components/, each reading the store.
import { render } from "preact";
import { createStore } from "./store.js";
import * as S from "./inbox-state.js";
import { keptFilter } from "./teams-state.js";
import { applyView, putView } from "./views-state.js";
import * as L from "./labels-state.js";
import { request, whenUnauthorized } from "./http.js";
import { createNotifier } from "./notify.js";
import { closeSettings, mountSettings, settingsFrame } from "./settings.js";
import { pausedAlert } from "./webhooks-state.js";
import { closeOnboarding, mountOnboarding, onboardingFrame } from "./onboarding.js";
import { mountProfile, profileUpdated } from "./profile.js";
import { signOut, socketToken, startSession } from "./auth.js";
import { startClock } from "./clock.js";
import { InboxContext } from "./context.js";
import { App } from "./components/App.js";
import { Strip } from "./components/Strip.js";
import { Alert } from "./components/Alert.js";

const PING_MS = 25_000;
const TYPING_MS = 15_000; // a typing indicator without its end goes out after this
const ALERT_MS = 12_000;
const ERROR_TEXT = {
  opted_out: "This contact opted out of SMS (they sent STOP). Nothing was sent.",
  window_closed: "The WhatsApp 24-hour window is closed. Nothing was sent.",
  not_configured: "This channel is not configured for your company.",
  not_found: "That conversation (or agent) no longer exists.",
  rate_limited: "Slow down: too many actions at once.",
};

const $ = (id) => document.getElementById(id);

// The state the components draw, plus what only the page needs: the search or contacts pane,
// the contact page, the alert.
// Teams and saved views (issue 21): the company's teams, the list's team filter ("" any),
// and this agent's own views; labels: the company's labels, the list's label and priority filter.
const store = createStore({
  ...S.initialState(), pane: "conversations", searching: false, contactPage: null, alert: null,
  teams: [], team: "", views: [], labels: [], labelFilter: L.NO_FILTER,
});
const update = (change) => store.set((s) => change(s));
// Socket and timers: not drawn, so not in the store.
const conn = { ws: null, attempt: 0, reconnectTimer: null, pingTimer: null };
const typingTimers = new Map(); // "conversation\nsender" -> timeout ending that typing
const typingOut = { sent: 0, stop: null }; // this agent's own typing frames
let openedFrom = null; // the list item, result or contact the open conversation came from

// ---------- sign in ----------

function showSignIn() {
  disconnect();
  $("app").hidden = true;
  $("signout").hidden = true;
  $("settings-open").hidden = true;
  $("profile-open").hidden = true;
  closeSettings();
  mountOnboarding({ owner: false });
  setConn("offline", "Signed out");
  location.assign("/login"); // accounts: the sign-in page
}

function signIn() {
  $("app").hidden = false;
  $("signout").hidden = false;
  connect();
}

// ---------- socket ----------

function setConn(state, text) {
  store.set({ conn: { state, text } });
}

function connect() {
  clearTimeout(conn.reconnectTimer);
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws/agent`;
  const ws = new WebSocket(url);
  conn.ws = ws;
  setConn("connecting", conn.attempt ? "Reconnecting…" : "Connecting…");
  ws.onopen = async () => ws.send(JSON.stringify({ type: "auth", token: await socketToken(), resume: S.resumeFrom(store.get()) }));
  ws.onmessage = (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch { return; }
    handle(frame);
  };
  ws.onclose = (ev) => {
    if (conn.ws !== ws) return; // replaced or signed out
    conn.ws = null;
    clearInterval(conn.pingTimer);
    if (ev.code === 4401) return showSignIn();
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  const base = Math.min(30_000, 500 * 2 ** conn.attempt);
  const delay = Math.round(base / 2 + Math.random() * base / 2); // jitter
  conn.attempt += 1;
  setConn("offline", `Disconnected — retrying in ${Math.ceil(delay / 1000)} s`);
  conn.reconnectTimer = setTimeout(connect, delay);
}

function disconnect() {
  clearTimeout(conn.reconnectTimer);
  clearInterval(conn.pingTimer);
  const ws = conn.ws;
  conn.ws = null;
  if (ws) ws.close(1000);
}

function send(frame) {
  if (conn.ws?.readyState !== WebSocket.OPEN) return false;
  conn.ws.send(JSON.stringify(frame));
  return true;
}

function handle(f) {
  onboardingFrame(f); // a test SMS or a first visit ticks the walkthrough's checklist
  settingsFrame(f); // a paused webhook re-reads the Webhooks tab if it is shown
  if (f.type === "typing") armTyping(f);
  const { state, notify, learn } = S.applyFrame(store.get(), f, { visible: document.visibilityState === "visible" });
  store.set(state);
  if (notify) notifier.inbound(state.convs.get(f.message.conversation_id), f.message, state.me);
  if (learn) learnTeam(learn);
  switch (f.type) {
    case "welcome": onWelcome(); break;
    case "inbox.snapshot": onSnapshot(); break;
    case "agent.updated": if (f.agent?.id) profileUpdated(f.agent); break;
    case "teams.updated": setTeams(f.teams); break;
    case "conversation.updated": if (L.stale(state.labels, f.conversation)) loadLabels(); break;
    case "webhook.paused": if (store.get().role === "owner") showAlert(pausedAlert(f.webhook), "webhook_paused"); break;
    case "error": {
      const friendly = ERROR_TEXT[f.code];
      showAlert(friendly && f.message ? `${friendly} (${f.message})` : friendly || f.message || f.code, f.code);
      break;
    }
  }
}

function onWelcome() {
  conn.attempt = 0;
  clearInterval(conn.pingTimer);
  conn.pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
  loadProfile();
  loadCanned();
  loadTeams();
  loadViews();
  loadLabels();
}

function onSnapshot() {
  loadFiltered(); // the snapshot is the 200 most recent: fill in the chosen view
  const current = store.get().current;
  if (current) { loadHistory(current); loadNotes(current); } // missed while away
}

// A teammate changed their own profile here ("Your profile"): the team, and their replies.
function onAgent(a) {
  if (!a?.id) return;
  update((s) => S.applyAgent(s, a));
  profileUpdated(a);
}

// A typing indicator without its end goes out by itself after a while.
function armTyping(f) {
  if (f.sender === "agent") return; // our own echo is indistinguishable from other agents'
  const key = `${f.conversation_id}\n${f.sender}`;
  clearTimeout(typingTimers.get(key));
  typingTimers.delete(key);
  if (f.active) typingTimers.set(key, setTimeout(() => handle({ ...f, active: false }), TYPING_MS));
}

// An agent this inbox has not heard of (made where no agent.updated was sent, e.g. `hub
// token`): ask once who the team is.
const asked = new Set();
function learnTeam(id) {
  if (asked.has(id)) return;
  asked.add(id);
  api("/api/presence").then((page) => {
    for (const a of page?.agents || []) profileUpdated(a);
    update((s) => S.applyTeam(s, page?.agents));
  });
}

// ---------- HTTP ----------

/** One API call: the answer's JSON, or null after showing what went wrong (a 401 signs out). */
async function api(path, { method = "GET", body } = {}) {
  const result = await request(method, path, body);
  if (result.ok) return result.body;
  if (result.status !== 401) showAlert(result.message || `HTTP ${result.status}`, result.code || "");
  return null;
}

async function loadProfile() {
  const me = await api("/api/agents/me");
  store.set({ role: me?.role || null });
  notifier.profile(me);
  mountSettings({ owner: me?.role === "owner", me: me?.id, signOut: showSignIn });
  mountOnboarding({ owner: me?.role === "owner" });
  mountProfile({ me, onChange: onAgent });
}

async function loadCanned() {
  const page = await api("/api/canned-responses");
  store.set({ canned: page?.responses || [] });
}

function setTeams(teams) {
  store.set((s) => ({ teams: teams || [], team: keptFilter(teams || [], s.team) }));
}

async function loadTeams() {
  const page = await api("/api/teams");
  if (page) setTeams(page.teams);
}

async function loadViews() {
  const page = await api("/api/views");
  if (page) store.set({ views: page.views });
}

let labelsRead = null; // the catalogue's read on its way: frames in a burst share it
function loadLabels() {
  labelsRead ||= readLabels().finally(() => { labelsRead = null; });
  return labelsRead;
}

async function readLabels() {
  const page = await api("/api/labels");
  if (page) store.set((s) => ({ labels: page.labels, labelFilter: L.keptFilter(s.labelFilter, page.labels) }));
}

function filterBy(labelFilter) {
  store.set({ labelFilter });
  loadFiltered();
}

/** Replace the open conversation's labels (ids); the view comes back as conversation.updated. */
async function setLabels(ids) {
  const current = store.get().current;
  if (!current) return;
  const done = await api(`/api/conversations/${encodeURIComponent(current)}/labels`, { method: "PUT", body: { label_ids: ids } });
  if (done) update((s) => S.upsertConv(s, done.conversation));
}

async function setPriority(priority) {
  const current = store.get().current;
  if (!current) return;
  const done = await api(`/api/conversations/${encodeURIComponent(current)}/priority`, { method: "PUT", body: { priority } });
  if (done) update((s) => S.upsertConv(s, done.conversation));
}

async function loadFiltered() {
  const { status, view, team } = store.get();
  const params = new URLSearchParams({ status });
  if (view === "mine") params.set("assignee", "me");
  if (view === "unassigned") params.set("assignee", "none");
  if (team) params.set("team", team);
  L.filterParams(store.get().labelFilter, params);
  const page = await api(`/api/conversations?${params}`);
  if (page) update((s) => S.upsertConvs(s, page.conversations));
}

async function loadNotes(id) {
  const result = await request("GET", `/api/conversations/${encodeURIComponent(id)}/notes`);
  if (result.ok) update((s) => S.applyNotes(s, id, result.body.notes || [])); // 404: not stored yet
}

async function loadHistory(id) {
  for (let after = 0; ;) {
    const result = await request("GET", `/api/conversations/${encodeURIComponent(id)}/messages?after_seq=${after}`);
    if (result.status === 401 || result.status === 404) return; // signed out; a widget conversation not stored yet
    if (!result.ok) {
      const why = result.code === "network" ? result.message : `HTTP ${result.status}`;
      if (id === store.get().current) showAlert(`Could not load messages: ${why}`);
      return;
    }
    const page = result.body.messages || [];
    update((s) => S.applyHistory(s, id, page));
    if (page.length < 500) return;
    after = page[page.length - 1].seq;
  }
}

// ---------- alerts ----------

let alertTimer;
function showAlert(text, code = "") {
  store.set({ alert: { text, code } });
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => store.set({ alert: null }), ALERT_MS);
}

// ---------- actions ----------

function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// After the components drew the change just made (Preact renders in a microtask).
const afterRender = (act) => setTimeout(act, 0);

async function openConv(id) {
  closeSettings(); // a notification's click opens a conversation from the settings view too
  closeOnboarding();
  openedFrom = document.activeElement?.closest?.("[data-conversation-id]") || null;
  update((s) => ({ ...S.openConversation(s, id), contactPage: null }));
  document.body.classList.add("viewing");
  afterRender(() => $("view-title")?.focus());
  // Canned responses are read again with each conversation opened: owners change them.
  await Promise.all([loadHistory(id), loadNotes(id), loadCanned()]);
}

// A search result or contact may name a conversation outside the loaded list.
async function openFound(id) {
  if (!store.get().convs.has(id)) {
    const conv = await api(`/api/conversations/${encodeURIComponent(id)}`);
    if (!conv) return;
    update((s) => S.upsertConv(s, conv));
  }
  openConv(id);
}

function back() {
  document.body.classList.remove("viewing");
  // Back where it was opened: the list, or a search result or contact (the list is hidden
  // while they show). The list's item may have been redrawn since.
  const id = CSS.escape(store.get().current || "");
  const shownNow = (n) => n?.isConnected && n.offsetParent !== null;
  [openedFrom, ...document.querySelectorAll(`.inbox [data-conversation-id="${id}"]`)].find(shownNow)?.focus();
}

function choose(view, status) {
  store.set({ view, status });
  loadFiltered();
}

function chooseTeam(team) {
  store.set({ team });
  loadFiltered();
}

function showView(view) {
  store.set(applyView(view));
  loadFiltered();
}

/** Save, rename or delete one of this agent's views; true when the hub took it. */
async function saveView(name, filter) {
  const page = await api("/api/views", { method: "POST", body: { name, filter } });
  if (page) update((s) => ({ views: putView(s.views, page.view) }));
  return !!page;
}

async function renameView(id, name) {
  const page = await api(`/api/views/${encodeURIComponent(id)}`, { method: "PATCH", body: { name } });
  if (page) update((s) => ({ views: putView(s.views, page.view) }));
  return !!page;
}

async function deleteView(id) {
  if (await api(`/api/views/${encodeURIComponent(id)}`, { method: "DELETE" })) {
    update((s) => ({ views: putView(s.views, { id }, true) }));
  }
}

function setTeam(teamId) {
  const current = store.get().current;
  if (current) api(`/api/conversations/${encodeURIComponent(current)}/team`, { method: "PUT", body: { team_id: teamId } });
}

/** Send the reply box's text as a reply or (`note`) a private note; false when not sent. */
function sendReply(text, note) {
  const current = store.get().current;
  if (!text.trim() || !current) return false;
  const frame = { type: note ? "note.create" : "message.send", conversation_id: current, client_id: clientId(), text };
  if (!send(frame)) {
    showAlert(`Not connected: the ${note ? "note" : "reply"} was not sent. It will be kept here.`);
    return false;
  }
  if (!note) stopTyping();
  return true;
}

function onCurrent(type, extra = {}) {
  const current = store.get().current;
  if (current) send({ type, conversation_id: current, ...extra });
}

function setStatus(status, until) {
  onCurrent("conversation.status", { status, ...(until ? { snoozed_until: until.toISOString() } : {}) });
}

function stopTyping() {
  clearTimeout(typingOut.stop);
  const current = store.get().current;
  if (typingOut.sent && current) send({ type: "typing", conversation_id: current, active: false });
  typingOut.sent = 0;
}

function typing() {
  const current = store.get().current;
  if (!current) return;
  const now = Date.now();
  if (now - typingOut.sent > 3000) {
    send({ type: "typing", conversation_id: current, active: true });
    typingOut.sent = now;
  }
  clearTimeout(typingOut.stop);
  typingOut.stop = setTimeout(stopTyping, 4000);
}

async function showContact(id) {
  const found = await api(`/api/contacts/${encodeURIComponent(id)}`);
  if (!found) return;
  store.set({ contactPage: found });
  afterRender(() => $("contact-title")?.focus());
}

function closeContact() {
  store.set({ contactPage: null });
  if (store.get().current) afterRender(() => $("view-title")?.focus());
}

async function saveCanned(body) {
  if (!(await api("/api/canned-responses", { method: "POST", body }))) return false;
  loadCanned();
  return true;
}

async function deleteCanned(id) {
  if (await api(`/api/canned-responses/${encodeURIComponent(id)}`, { method: "DELETE" })) loadCanned();
}

const notifier = createNotifier({ api, open: (id) => openConv(id) });

const actions = {
  api, send, clientId, alert: showAlert, open: openConv, openFound, back, choose, sendReply,
  setStatus, stopTyping, typing, showContact, closeContact, saveCanned, deleteCanned,
  chooseTeam, applyView: showView, saveView, renameView, deleteView, setTeam,
  assign: (agentId) => onCurrent("conversation.assign", { agent_id: agentId || null }),
  takeover: () => onCurrent("conversation.takeover"),
  release: () => onCurrent("conversation.release"),
  presence: (status) => send({ type: "presence.set", status }),
  contactEdited: (contact) => update((s) => S.applyContact(s, contact)),
  loadLabels, filterBy, setLabels, setPriority,
};

function mount() {
  const wrap = (node) => <InboxContext.Provider value={{ store, actions, notifier }}>{node}</InboxContext.Provider>;
  render(wrap(<App />), $("app"));
  render(wrap(<Strip />), $("strip"));
  render(wrap(<Alert />), $("alert-slot"));
}

function init() {
  whenUnauthorized(showSignIn); // settings.js registers the same when it mounts
  mount();
  startClock();
  store.subscribe((s) => notifier.title(S.unreadConversations(s)));
  $("signout").addEventListener("click", () => { disconnect(); signOut(); });
  // Back in the tab: what came into the open conversation meanwhile has now been seen.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") update((s) => S.markSeen(s, s.current));
  });
  startSession().then((ok) => (ok ? signIn() : showSignIn()));
}

init();
