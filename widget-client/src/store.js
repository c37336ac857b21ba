// The conversation as the widget shows it. Messages are keyed by id, seq and client_id so that
// replays after a reconnect never show anything twice; optimistic sends are reconciled by
// client_id; AI deltas are kept per reply_id until message.created with that id replaces them.
import { randomId } from './protocol.js';

export function createStore(onChange) {
  const all = new Set();
  let byId, bySeq, byClient, drafts;
  let counter = 0;
  let lastSeq = 0;

  const index = () => {
    byId = new Map();
    bySeq = new Map();
    byClient = new Map();
    drafts = new Map();
  };
  index();

  // Server-ordered messages by seq, then drafts and pending sends in the order they appeared.
  function list() {
    const known = [];
    const rest = [];
    for (const e of all) (e.seq ? known : rest).push(e);
    known.sort((a, b) => a.seq - b.seq);
    rest.sort((a, b) => a.n - b.n);
    return known.concat(rest);
  }
  const changed = () => onChange(list());

  return {
    get lastSeq() {
      return lastSeq;
    },

    /** An optimistic visitor message, shown at once as pending. */
    addPending(text, attachments) {
      const e = { n: ++counter, key: 'm' + counter, client_id: randomId(), sender: 'visitor', text, attachments, pending: true };
      all.add(e);
      byClient.set(e.client_id, e);
      changed();
      return e;
    },

    pending: () => [...all].filter((e) => e.pending),

    /** message.created: returns true when it changed what is shown. */
    created(m) {
      if (!m || typeof m.seq !== 'number' || !m.id) return false;
      if (m.seq > lastSeq) lastSeq = m.seq;
      if (byId.has(m.id)) return false;
      let e = (m.client_id && byClient.get(m.client_id)) || drafts.get(m.id);
      if (!e) {
        if (bySeq.has(m.seq)) return false;
        e = { n: ++counter, key: 'm' + counter };
        all.add(e);
      }
      drafts.delete(m.id);
      Object.assign(e, {
        id: m.id,
        seq: m.seq,
        sender: m.sender,
        text: m.text,
        attachments: m.attachments || [],
        at: m.created_at,
        name: m.sender_name || null, // the agent's name on an agent reply
        avatar: m.avatar_url || null, // and the avatar it was sent with (a path on the hub)
        client_id: m.client_id || null,
        pending: false,
        streaming: false,
      });
      byId.set(m.id, e);
      bySeq.set(m.seq, e);
      if (e.client_id) byClient.set(e.client_id, e);
      changed();
      return true;
    },

    /** ai.delta: grows the preview of reply_id; a repeated index is ignored. */
    delta(d) {
      if (!d || !d.reply_id || byId.has(d.reply_id)) return;
      let e = drafts.get(d.reply_id);
      if (!e) {
        e = { n: ++counter, key: 'm' + counter, reply_id: d.reply_id, sender: 'ai', streaming: true, parts: [] };
        drafts.set(d.reply_id, e);
        all.add(e);
      }
      const i = Number(d.index) || 0;
      if (e.parts[i] != null) return;
      e.parts[i] = String(d.text || '');
      e.text = e.parts.join('');
      changed();
    },

    /** Drop previews that never got their message.created (a reply stopped by a human). */
    dropDrafts() {
      if (!drafts.size) return;
      for (const e of drafts.values()) all.delete(e);
      drafts.clear();
      changed();
    },

    /** Forget the server's messages (a new session); pending sends stay. */
    reset() {
      const keep = [...all].filter((e) => e.pending);
      all.clear();
      index();
      for (const e of keep) {
        all.add(e);
        byClient.set(e.client_id, e);
      }
      lastSeq = 0;
      changed();
    },
  };
}
