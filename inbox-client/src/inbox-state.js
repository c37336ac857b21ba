// The inbox's state and how each agent-socket frame changes it (docs/protocol.md): plain
// functions of a state object returning a new one, never touching it in place, so the store
// (store.js) sees each change and the components (components/) redraw what it touched. No DOM,
// no Preact: test/inbox-state.test.js runs it under `node --test`.
//
// Collections by id are Maps, copied on change: a copy of a 1,000-entry Map costs about a
// sixth of a spread of a 1,000-key object (V8), and one is made per frame.

const STATUS_RANK = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
const SENDER_LABEL = { visitor: "Visitor", contact: "Contact", agent: "Agent", ai: "AI" };
const RESUME_CONVERSATIONS = 1000; // the hub reads at most this many `seqs`

/** The state of a freshly loaded inbox. */
export function initialState() {
  return {
    me: null, // this agent's id (welcome)
    role: null, // "owner" | "agent" (GET /api/agents/me)
    agents: new Map(), // agent id -> {id, name, email, role, status, version, avatar_url}
    counts: null, // the latest inbox.counts
    view: "all", // whose: "mine" | "unassigned" | "all"
    status: "open", // which inbox status the list shows
    canned: [], // the company's canned responses
    convs: new Map(), // id -> Conversation, with `unread` and `seen_seq`
    messages: new Map(), // conversation id -> Map(message id -> Message), for opened conversations
    notes: new Map(), // conversation id -> Map(note id -> Note), for opened conversations
    streams: new Map(), // reply_id -> {conversation_id, parts: []}
    typing: {}, // conversation id -> {visitor?: true, ai?: true}
    current: null, // the open conversation's id
    newest: null, // created_at of the newest message held: auth.resume's `since`
    conn: { state: "offline", text: "Offline" },
    stats: { visits: 0, engaged: 0 },
  };
}

const later = (a, b) => (a && a > (b || "") ? a : b);
const without = (obj, key) => {
  const { [key]: _, ...rest } = obj;
  return rest;
};
const put = (map, key, value) => new Map(map).set(key, value);
const drop = (map, key) => {
  const next = new Map(map);
  next.delete(key);
  return next;
};

function mergeConv(old, c) {
  const merged = { ...old, ...c, unread: old?.unread ?? 0, seen_seq: old ? old.seen_seq : c.last_seq ?? 0 };
  if (old?.last_message && c.last_message && old.last_message.seq > c.last_message.seq) {
    merged.last_message = old.last_message;
  }
  return merged;
}

/** A conversation merged into the held one: the unread count and the highest `seq` seen are
 * kept, and so is a held `last_message` newer than the incoming one. */
export function upsertConv(state, c) {
  return { ...state, convs: put(state.convs, c.id, mergeConv(state.convs.get(c.id), c)) };
}

/** Many conversations merged at once (a snapshot, a page of a view), copying the map once. */
export function upsertConvs(state, list) {
  if (!list?.length) return state;
  const convs = new Map(state.convs);
  for (const c of list) convs.set(c.id, mergeConv(convs.get(c.id), c));
  return { ...state, convs };
}

/** The later in delivery of two versions of a message: a status never moves back. */
export function mergeStatus(old, msg) {
  if (!old) return msg;
  return (STATUS_RANK[old.status] ?? -1) > (STATUS_RANK[msg.status] ?? -1)
    ? { ...msg, status: old.status, error: old.error } : msg;
}

/** inbox.snapshot: every conversation merged; `newest` moves to its latest message. */
export function applySnapshot(state, conversations) {
  let newest = state.newest;
  for (const c of conversations || []) newest = later(c.last_message?.created_at, newest);
  return { ...upsertConvs(state, conversations), newest };
}

const inbound = (m) => m.sender === "visitor" || m.sender === "contact";

function stubConv(m) {
  return { id: m.conversation_id, channel: m.channel, handled_by: "ai", handoff: "ai",
    handoff_actions: ["takeover"], needs_human: false, inbox_status: "open", assignee_id: null,
    contact: {}, last_message: null, last_seq: 0, updated_at: m.created_at };
}

/**
 * message.created (`created`) or message.updated. `visible`: the page is shown, so a message
 * of the open conversation is seen as it comes. Answers {state, notify}: `notify` is true for
 * a new inbound message (not one held already, nor one at or below the highest `seq` seen:
 * a resume's repeats), which a notification may announce.
 */
export function applyMessage(state, m, { created, visible = true }) {
  if (!m) return { state, notify: false };
  let next = { ...state, newest: later(m.created_at, state.newest) };
  if (!next.convs.has(m.conversation_id)) {
    if (!created) return { state: next, notify: false };
    next = upsertConv(next, stubConv(m));
  }
  const conv = { ...next.convs.get(m.conversation_id) };
  const msgs = next.messages.get(m.conversation_id);
  const known = !!msgs?.has(m.id);
  if (msgs) next.messages = put(next.messages, m.conversation_id, put(msgs, m.id, mergeStatus(msgs.get(m.id), m)));
  if (!conv.last_message || conv.last_message.seq <= m.seq) {
    conv.last_message = mergeStatus(conv.last_message?.id === m.id ? conv.last_message : null, m);
  }
  let notify = false;
  if (created) {
    const isNew = !known && m.seq > (conv.seen_seq ?? 0);
    conv.last_seq = Math.max(conv.last_seq ?? 0, m.seq);
    conv.updated_at = later(m.created_at, conv.updated_at);
    const seen = m.conversation_id === next.current && visible;
    notify = isNew && inbound(m);
    if (notify && !seen) conv.unread = (conv.unread || 0) + 1;
    conv.seen_seq = Math.max(conv.seen_seq ?? 0, m.seq);
    if (next.streams.has(m.id)) next.streams = drop(next.streams, m.id); // the preview became this
  }
  next.convs = put(next.convs, conv.id, conv);
  if (created && m.direction === "inbound") {
    next = applyTyping(next, { conversation_id: m.conversation_id, sender: "visitor", active: false });
  }
  return { state: next, notify };
}

/** ai.delta: one piece of an AI reply being written, at its index. */
export function applyDelta(state, f) {
  const held = state.streams.get(f.reply_id);
  const parts = [...(held?.parts || [])];
  parts[f.index] = f.text;
  const stream = { conversation_id: held?.conversation_id ?? f.conversation_id, parts };
  return { ...state, streams: put(state.streams, f.reply_id, stream) };
}

/** The text an AI preview shows so far (a missing piece is left out). */
export const streamText = (stream) => stream.parts.join("");

/** typing from the visitor or the AI (an agent's is our own echo: ignored). When the AI
 * stops, its previews in that conversation that never became a message are dropped. */
export function applyTyping(state, f) {
  if (f.sender === "agent") return state;
  const held = state.typing[f.conversation_id] || {};
  if (!!held[f.sender] === !!f.active && !(f.sender === "ai" && !f.active)) return state;
  const who = f.active ? { ...held, [f.sender]: true } : without(held, f.sender);
  let next = { ...state, typing: { ...state.typing, [f.conversation_id]: who } };
  if (f.sender === "ai" && !f.active) {
    const streams = new Map([...state.streams].filter(([, s]) => s.conversation_id !== f.conversation_id));
    if (streams.size !== state.streams.size) next = { ...next, streams };
  }
  return next;
}

/** "Visitor is typing…", "Visitor and AI are typing…", or "" for the open conversation. */
export function typingText(state) {
  const who = Object.keys(state.typing[state.current] || {}).map((k) => SENDER_LABEL[k] || k);
  return who.length ? `${who.join(" and ")} ${who.length > 1 ? "are" : "is"} typing…` : "";
}

/** presence.snapshot: the team, as it is now. */
export function applyPresenceSnapshot(state, agents) {
  return { ...state, agents: new Map((agents || []).map((a) => [a.id, a])) };
}

/** presence.updated: {state, learn}; an older version arriving late changes nothing; `learn`
 * says the agent is unknown by name (joined after this page loaded). */
export function applyPresence(state, f) {
  const held = state.agents.get(f.agent_id);
  if (held && (held.version ?? 0) >= f.version) return { state, learn: false };
  const agent = { ...(held || { id: f.agent_id }), status: f.status, version: f.version };
  return { state: { ...state, agents: put(state.agents, f.agent_id, agent) }, learn: !held?.name && !held?.email };
}

/** agent.updated (or a profile saved here): a teammate's name, avatar or role. */
export function applyAgent(state, a) {
  if (!a?.id) return state;
  const agent = { status: "offline", version: 0, ...state.agents.get(a.id), ...a };
  return { ...state, agents: put(state.agents, a.id, agent) };
}

/** GET /api/presence's team merged in: a held presence newer than the page's is kept. */
export function applyTeam(state, agents) {
  let next = state;
  for (const a of agents || []) {
    const held = next.agents.get(a.id);
    const newer = held && (held.version ?? 0) > (a.version ?? 0);
    next = applyAgent(next, newer ? { ...a, status: held.status, version: held.version } : a);
  }
  return next;
}

/** note.created: kept only for conversations whose notes are loaded. */
export function applyNote(state, n) {
  const notes = n && state.notes.get(n.conversation_id);
  if (!notes) return state;
  return { ...state, notes: put(state.notes, n.conversation_id, put(notes, n.id, n)) };
}

/** conversation.rated: the visitor's satisfaction rating. */
export function applyRating(state, id, rating) {
  const conv = state.convs.get(id);
  if (!conv) return state;
  return { ...state, convs: put(state.convs, id, { ...conv, rating }) };
}

/** A page of GET …/messages merged into the conversation's messages. */
export function applyHistory(state, id, page) {
  const msgs = new Map(state.messages.get(id));
  for (const m of page) msgs.set(m.id, mergeStatus(msgs.get(m.id), m));
  return { ...state, messages: put(state.messages, id, msgs) };
}

/** GET …/notes merged into the conversation's notes. */
export function applyNotes(state, id, notes) {
  const held = new Map(state.notes.get(id));
  for (const n of notes) held.set(n.id, n);
  return { ...state, notes: put(state.notes, id, held) };
}

/** A conversation opened: it becomes current, its unread count goes, and its messages and
 * notes start being held. */
export function openConversation(state, id) {
  let next = { ...state, current: id };
  if (!next.messages.has(id)) next.messages = put(next.messages, id, new Map());
  if (!next.notes.has(id)) next.notes = put(next.notes, id, new Map());
  return markSeen(next, id);
}

/** What came into conversation `id` has been seen: its unread count goes. */
export function markSeen(state, id) {
  const conv = state.convs.get(id);
  if (!conv?.unread) return state;
  return { ...state, convs: put(state.convs, id, { ...conv, unread: 0 }) };
}

/** A contact saved on its page: every conversation of theirs names them as the page does. */
export function applyContact(state, contact) {
  const convs = new Map(state.convs);
  for (const c of state.convs.values()) {
    if (c.contact?.id === contact.id) convs.set(c.id, { ...c, contact: { ...c.contact, ...contact } });
  }
  return { ...state, convs };
}

// ISO 8601 times of one format sort as plain strings; localeCompare (ICU collation) made
// sorting 1,000 conversations cost milliseconds in Chromium.
const order = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byUpdated = (a, b) => order(b.updated_at || "", a.updated_at || "");

/** Whether conversation `c` belongs in the list's view and status. */
export function inView(state, c) {
  if ((c.inbox_status || "open") !== state.status) return false;
  if (state.view === "mine") return c.assignee_id === state.me;
  if (state.view === "unassigned") return !c.assignee_id;
  return true;
}

/** The list: the chosen view's conversations of the chosen status, newest first. */
export function listed(state) {
  return [...state.convs.values()].filter((c) => inView(state, c)).sort(byUpdated);
}

/** The count on a view or status button from inbox.counts, or null before the first. */
export function countOf(state, view, status) {
  const counts = state.counts;
  if (!counts) return null;
  const group = view === "all" ? counts.all : view === "unassigned" ? counts.unassigned
    : counts.by_assignee?.[state.me];
  return group?.[status] ?? 0;
}

/** How many conversations have unread visitor or contact messages (the tab title's count). */
export function unreadConversations(state) {
  let n = 0;
  for (const c of state.convs.values()) if (c.unread > 0) n++;
  return n;
}

/** auth.resume: the newest message held and the highest `seq` of the most recently updated
 * conversations, so a reconnect is sent every message missed meanwhile; nothing held yet,
 * nothing to resume. */
export function resumeFrom(state) {
  if (!state.newest) return undefined;
  const recent = [...state.convs.values()].sort(byUpdated).slice(0, RESUME_CONVERSATIONS);
  const seqs = {};
  for (const c of recent) if (c.last_seq) seqs[c.id] = c.last_seq;
  return { since: state.newest, seqs };
}

/**
 * What the open conversation's log shows, in order: messages by `seq`, each note before the
 * first message or note written after it, then the AI previews still being written. Each entry
 * is {kind: "message"|"note"|"stream", id, item}.
 */
export function logEntries(state, id = state.current) {
  const entries = [...(state.messages.get(id)?.values() || [])].sort((a, b) => a.seq - b.seq)
    .map((m) => ({ kind: "message", id: m.id, item: m }));
  const notes = [...(state.notes.get(id)?.values() || [])]
    .sort((a, b) => order(a.created_at || "", b.created_at || ""));
  for (const n of notes) {
    const at = entries.findIndex((e) => (e.item.created_at || "") > n.created_at);
    entries.splice(at < 0 ? entries.length : at, 0, { kind: "note", id: n.id, item: n });
  }
  for (const [replyId, s] of state.streams) {
    if (s.conversation_id === id) entries.push({ kind: "stream", id: replyId, item: s });
  }
  return entries;
}

/** What to call a teammate: their name, else email, else "You" or "An agent"; "" for none. */
export function agentName(state, id) {
  if (!id) return "";
  const a = state.agents.get(id);
  return a?.name || a?.email || (id === state.me ? "You" : "An agent");
}

/** Who wrote an agent reply: the teammate as the team knows them now, else the reply's own
 * From line (an agent since removed), else "Agent". */
export function authorOf(state, m) {
  const a = m.agent_id ? state.agents.get(m.agent_id) : null;
  const name = a?.name || m.sender_name || a?.email || SENDER_LABEL.agent;
  return { name, avatar: a ? a.avatar_url : m.avatar_url };
}

/** The label of a message's sender. */
export const senderLabel = (sender) => SENDER_LABEL[sender] || sender;

/** A list item's preview of a conversation's last message. */
export function preview(m) {
  if (!m) return "No messages yet";
  if (m.text) return m.text;
  return m.attachments?.length ? `[${m.attachments[0].name || m.type || "attachment"}]` : "";
}

/** The agent ids a message names that the team does not know (to look up once). */
export function unknownAgent(state, m) {
  return m?.agent_id && !state.agents.has(m.agent_id) ? m.agent_id : null;
}

const ONLINE = { state: "online", text: "Connected" };

/**
 * One agent-socket frame applied: {state, notify, learn}. `notify`: a new inbound message a
 * notification may announce; `learn`: an agent id the team does not know (to look up once).
 * `visible`: the page is shown. Frames that change nothing here (ping's pong, error) answer
 * the same state; main.js does what they ask of the page.
 */
export function applyFrame(state, f, { visible = true } = {}) {
  const same = { state, notify: false, learn: null };
  const to = (next) => ({ ...same, state: next });
  switch (f.type) {
    case "welcome": return to({ ...state, me: f.agent_id });
    case "inbox.snapshot": return to({ ...applySnapshot(state, f.conversations), conn: ONLINE });
    case "presence.snapshot": return to(applyPresenceSnapshot(state, f.agents));
    case "presence.updated": {
      const { state: next, learn } = applyPresence(state, f);
      return { ...same, state: next, learn: learn ? f.agent_id : null };
    }
    case "agent.updated": return to(applyAgent(state, f.agent));
    case "inbox.counts": return to({ ...state, counts: f });
    case "note.created": return to(applyNote(state, f.note));
    case "message.created":
    case "message.updated": {
      const { state: next, notify } = applyMessage(state, f.message, { created: f.type === "message.created", visible });
      return { state: next, notify, learn: unknownAgent(next, f.message) };
    }
    case "conversation.rated": return to(applyRating(state, f.conversation_id, f.rating));
    case "conversation.updated": return to(upsertConv(state, f.conversation));
    case "ai.delta": return to(applyDelta(state, f));
    case "typing": return to(applyTyping(state, f));
    case "stats.updated": return to({ ...state, stats: { visits: f.visits ?? 0, engaged: f.engaged_visits ?? 0 } });
    default: return same;
  }
}
