// The inbox's state logic, frame by frame, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyAgent, applyContact, applyDelta, applyFrame, applyHistory, applyMessage, applyNote, applyNotes,
  applyPresence, applyPresenceSnapshot, applySnapshot, applyTeam, applyTyping, agentName,
  authorOf, countOf, initialState, listed, logEntries, markSeen, openConversation, preview,
  resumeFrom, streamText, typingText, unreadConversations, upsertConv,
} from "../src/inbox-state.js";

const conv = (id, extra = {}) => ({ id, channel: "widget", inbox_status: "open", assignee_id: null,
  contact: { id: `k_${id}` }, last_message: null, last_seq: 0, updated_at: "2026-12-07T10:00:00Z", ...extra });
const msg = (conversation_id, seq, extra = {}) => ({ id: `${conversation_id}-m${seq}`, conversation_id, seq,
  sender: "visitor", direction: "inbound", channel: "widget", status: "delivered", text: `hi ${seq}`,
  created_at: `2026-12-07T10:00:${String(seq).padStart(2, "0")}Z`, ...extra });
const created = (state, m, visible = true) => applyMessage(state, m, { created: true, visible });
const withConvs = (...convs) => applySnapshot(initialState(), convs);

test("a snapshot merges conversations and moves `newest` to its latest message", () => {
  const s = withConvs(conv("a", { last_seq: 3, last_message: msg("a", 3) }), conv("b"));
  assert.deepEqual([...s.convs.keys()], ["a", "b"]);
  assert.equal(s.newest, "2026-12-07T10:00:03Z");
  assert.equal(s.convs.get("a").seen_seq, 3, "what the snapshot held counts as seen");
  assert.equal(s.convs.get("a").unread, 0);
});

test("an upsert keeps the unread count and a newer held last message", () => {
  let s = withConvs(conv("a", { last_seq: 1, last_message: msg("a", 1) }));
  s = created(s, msg("a", 2)).state;
  assert.equal(s.convs.get("a").unread, 1);
  const before = s;
  s = upsertConv(s, conv("a", { last_message: msg("a", 1), needs_human: true }));
  assert.equal(s.convs.get("a").unread, 1);
  assert.equal(s.convs.get("a").last_message.seq, 2);
  assert.equal(s.convs.get("a").needs_human, true);
  assert.equal(before.convs.get("a").needs_human, undefined, "the old state is left alone");
});

test("new visitor messages count as unread and notify; repeats by id or seq do not", () => {
  let s = withConvs(conv("a", { last_seq: 1 }));
  s = openConversation(s, "b"); // another conversation is open
  let r = created(s, msg("a", 2));
  assert.equal(r.notify, true);
  s = r.state;
  r = created(s, msg("a", 2)); // the same message again (a resume repeats it)
  assert.equal(r.notify, false);
  assert.equal(r.state.convs.get("a").unread, 1);
  r = created(r.state, msg("a", 5)); // a gap in seq: still new
  assert.equal(r.state.convs.get("a").unread, 2);
  assert.equal(r.state.convs.get("a").last_seq, 5);
  assert.equal(r.state.convs.get("a").seen_seq, 5);
  r = created(r.state, msg("a", 4)); // arrives late, below what was seen
  assert.equal(r.state.convs.get("a").unread, 2);
  assert.equal(r.state.convs.get("a").last_message.seq, 5, "the list keeps the latest message");
  assert.equal(unreadConversations(r.state), 1);
});

test("a message in the open, visible conversation is not unread; in a hidden tab it is", () => {
  let s = openConversation(withConvs(conv("a")), "a");
  s = created(s, msg("a", 1)).state;
  assert.equal(s.convs.get("a").unread, 0);
  assert.deepEqual([...s.messages.get("a").keys()], ["a-m1"]);
  s = created(s, msg("a", 2), false).state;
  assert.equal(s.convs.get("a").unread, 1);
  assert.equal(markSeen(s, "a").convs.get("a").unread, 0);
});

test("agents' and the AI's messages are never unread and never notify", () => {
  let s = withConvs(conv("a"));
  const r = created(s, msg("a", 1, { sender: "agent", direction: "outbound", agent_id: "ag1" }));
  assert.equal(r.notify, false);
  assert.equal(r.state.convs.get("a").unread, 0);
  s = created(r.state, msg("a", 2, { sender: "ai", direction: "outbound" })).state;
  assert.equal(s.convs.get("a").unread, 0);
});

test("a message of an unknown conversation makes one; an update of one does not", () => {
  let s = initialState();
  assert.equal(applyMessage(s, msg("z", 1), { created: false }).state.convs.get("z"), undefined);
  s = created(s, msg("z", 1)).state;
  assert.equal(s.convs.get("z").inbox_status, "open");
  assert.equal(s.convs.get("z").unread, 1);
  assert.equal(s.newest, "2026-12-07T10:00:01Z");
});

test("a status never moves back, whatever the order of arrival", () => {
  let s = openConversation(withConvs(conv("a")), "a");
  const m = msg("a", 1, { sender: "agent", direction: "outbound", status: "sending" });
  s = created(s, m).state;
  s = applyMessage(s, { ...m, status: "read" }, { created: false }).state;
  s = applyMessage(s, { ...m, status: "delivered" }, { created: false }).state;
  assert.equal(s.messages.get("a").get(m.id).status, "read");
  assert.equal(s.convs.get("a").last_message.status, "read");
  s = applyHistory(s, "a", [{ ...m, status: "sent" }]);
  assert.equal(s.messages.get("a").get(m.id).status, "read");
});

test("AI deltas build a preview the message replaces; a stopped AI drops it", () => {
  let s = openConversation(withConvs(conv("a")), "a");
  s = applyDelta(s, { reply_id: "r1", conversation_id: "a", index: 1, text: "world" });
  s = applyDelta(s, { reply_id: "r1", conversation_id: "a", index: 0, text: "hello " });
  assert.equal(streamText(s.streams.get("r1")), "hello world");
  assert.deepEqual(logEntries(s).map((e) => e.kind), ["stream"]);
  const done = created(s, msg("a", 1, { id: "r1", sender: "ai", direction: "outbound" })).state;
  assert.deepEqual(logEntries(done).map((e) => [e.kind, e.id]), [["message", "r1"]]);
  s = applyDelta(s, { reply_id: "r2", conversation_id: "b", index: 0, text: "elsewhere" });
  s = applyTyping(s, { conversation_id: "a", sender: "ai", active: false });
  assert.deepEqual([...s.streams.keys()], ["r2"]);
});

test("typing: the visitor and the AI, our own echo ignored, a visitor message ends it", () => {
  let s = openConversation(withConvs(conv("a")), "a");
  s = applyTyping(s, { conversation_id: "a", sender: "visitor", active: true });
  assert.equal(typingText(s), "Visitor is typing…");
  s = applyTyping(s, { conversation_id: "a", sender: "ai", active: true });
  assert.equal(typingText(s), "Visitor and AI are typing…");
  assert.equal(applyTyping(s, { conversation_id: "a", sender: "agent", active: true }), s);
  s = created(s, msg("a", 1)).state;
  assert.equal(typingText(s), "AI is typing…");
  s = applyTyping(s, { conversation_id: "a", sender: "ai", active: false });
  assert.equal(typingText(s), "");
});

test("presence: a late older version changes nothing; an unnamed agent is to be learned", () => {
  let s = applyPresenceSnapshot(initialState(), [{ id: "ag1", name: "Ann", status: "online", version: 3 }]);
  let r = applyPresence(s, { agent_id: "ag1", status: "away", version: 2 });
  assert.equal(r.state, s);
  r = applyPresence(s, { agent_id: "ag1", status: "away", version: 4 });
  assert.equal(r.state.agents.get("ag1").status, "away");
  assert.equal(r.learn, false);
  r = applyPresence(r.state, { agent_id: "ag2", status: "online", version: 1 });
  assert.equal(r.learn, true);
  s = applyTeam(r.state, [{ id: "ag2", name: "Bo", status: "offline", version: 0 }]);
  assert.equal(s.agents.get("ag2").name, "Bo");
  assert.equal(s.agents.get("ag2").status, "online", "the newer live presence is kept");
});

test("authors: the team's current name, else the reply's own, else Agent", () => {
  let s = applyAgent(initialState(), { id: "ag1", name: "Ann", avatar_url: "/a.png" });
  assert.deepEqual(authorOf(s, { agent_id: "ag1", sender_name: "Old" }), { name: "Ann", avatar: "/a.png" });
  assert.equal(authorOf(s, { agent_id: "gone", sender_name: "Cy" }).name, "Cy");
  assert.equal(authorOf(s, { agent_id: "gone" }).name, "Agent");
  s = { ...s, me: "me1" };
  assert.equal(agentName(s, "me1"), "You");
  assert.equal(agentName(s, "x"), "An agent");
  assert.equal(agentName(s, null), "");
  assert.equal(s.agents.get("ag1").status, "offline");
});

test("the list: view, status and newest first; counts per view", () => {
  let s = withConvs(
    conv("old", { updated_at: "2026-12-07T09:00:00Z" }),
    conv("new", { updated_at: "2026-12-07T11:00:00Z", assignee_id: "me1" }),
    conv("done", { inbox_status: "resolved" }));
  s = { ...s, me: "me1" };
  assert.deepEqual(listed(s).map((c) => c.id), ["new", "old"]);
  assert.deepEqual(listed({ ...s, view: "mine" }).map((c) => c.id), ["new"]);
  assert.deepEqual(listed({ ...s, view: "unassigned" }).map((c) => c.id), ["old"]);
  assert.deepEqual(listed({ ...s, status: "resolved" }).map((c) => c.id), ["done"]);
  assert.equal(countOf(s, "all", "open"), null);
  s = { ...s, counts: { all: { open: 7 }, unassigned: { open: 2 }, by_assignee: { me1: { pending: 1 } } } };
  assert.equal(countOf(s, "all", "open"), 7);
  assert.equal(countOf(s, "unassigned", "open"), 2);
  assert.equal(countOf(s, "mine", "pending"), 1);
  assert.equal(countOf(s, "mine", "open"), 0);
});

test("resume: nothing before a message is held; then `since` and each conversation's seq", () => {
  assert.equal(resumeFrom(withConvs(conv("a"))), undefined);
  let s = withConvs(conv("a", { last_seq: 4, last_message: msg("a", 4) }), conv("b"));
  s = created(s, msg("c", 9)).state;
  assert.deepEqual(resumeFrom(s), { since: "2026-12-07T10:00:09Z", seqs: { a: 4, c: 9 } });
});

test("the log: messages by seq, notes in time order among them, previews last", () => {
  let s = openConversation(withConvs(conv("a")), "a");
  s = applyHistory(s, "a", [msg("a", 3), msg("a", 1)]);
  s = applyNotes(s, "a", [{ id: "n1", conversation_id: "a", text: "x", created_at: "2026-12-07T10:00:02Z" }]);
  s = applyNote(s, { id: "n2", conversation_id: "a", text: "y", created_at: "2026-12-07T10:00:59Z" });
  s = applyDelta(s, { reply_id: "r", conversation_id: "a", index: 0, text: "…" });
  assert.deepEqual(logEntries(s).map((e) => e.id), ["a-m1", "n1", "a-m3", "n2", "r"]);
  assert.equal(applyNote(s, { id: "n3", conversation_id: "zz", text: "z" }), s, "notes not loaded: not kept");
});

test("a contact saved renames it in every conversation of theirs", () => {
  let s = withConvs(conv("a", { contact: { id: "k1" } }), conv("b", { contact: { id: "k1" } }), conv("c"));
  s = applyContact(s, { id: "k1", name: "Dee" });
  assert.equal(s.convs.get("a").contact.name, "Dee");
  assert.equal(s.convs.get("b").contact.name, "Dee");
  assert.equal(s.convs.get("c").contact.name, undefined);
});

test("previews name an attachment when there is no text", () => {
  assert.equal(preview(null), "No messages yet");
  assert.equal(preview({ text: "", attachments: [{ name: "a.pdf" }] }), "[a.pdf]");
  assert.equal(preview({ text: "hey" }), "hey");
});

test("frames in order: welcome, snapshot, presence, a visitor's message, a repeat, counts", () => {
  const frames = [
    { type: "welcome", agent_id: "me1" },
    { type: "inbox.snapshot", conversations: [conv("a", { last_seq: 2, last_message: msg("a", 2) })] },
    { type: "presence.snapshot", agents: [{ id: "me1", name: "Ann", status: "online", version: 1 }] },
    { type: "message.created", message: msg("a", 3) },
    { type: "message.created", message: msg("a", 3) },
    { type: "message.created", message: msg("a", 4, { sender: "agent", direction: "outbound", agent_id: "ag9" }) },
    { type: "presence.updated", agent_id: "ag8", status: "online", version: 1 },
    { type: "inbox.counts", all: { open: 1 }, unassigned: { open: 1 }, by_assignee: {} },
    { type: "stats.updated", visits: 5, engaged_visits: 2 },
    { type: "conversation.rated", conversation_id: "a", rating: { score: 5 } },
    { type: "pong" },
  ];
  let s = initialState();
  const seen = [];
  for (const f of frames) {
    const r = applyFrame(s, f, { visible: true });
    seen.push([f.type, r.notify, r.learn]);
    s = r.state;
  }
  assert.deepEqual(seen.filter(([, notify, learn]) => notify || learn),
    [["message.created", true, null], ["message.created", false, "ag9"], ["presence.updated", false, "ag8"]]);
  assert.equal(s.me, "me1");
  assert.deepEqual(s.conn, { state: "online", text: "Connected" });
  assert.equal(s.convs.get("a").unread, 1);
  assert.equal(s.convs.get("a").last_seq, 4);
  assert.equal(s.convs.get("a").rating.score, 5);
  assert.equal(countOf(s, "all", "open"), 1);
  assert.deepEqual(s.stats, { visits: 5, engaged: 2 });
  assert.equal(applyFrame(s, { type: "pong" }).state, s, "an unknown frame changes nothing");
});

test("conversation.updated moves a conversation between views", () => {
  let s = { ...withConvs(conv("a")), me: "me1", view: "mine" };
  assert.deepEqual(listed(s), []);
  s = applyFrame(s, { type: "conversation.updated", conversation: conv("a", { assignee_id: "me1" }) }).state;
  assert.deepEqual(listed(s).map((c) => c.id), ["a"]);
  s = applyFrame(s, { type: "conversation.updated", conversation: conv("a", { assignee_id: "me1", inbox_status: "resolved" }) }).state;
  assert.deepEqual(listed(s), []);
});
