// Frame builders and the parser for the widget socket (docs/protocol.md, "Widget socket").

export const MAX_TEXT = 4000;

function timeZone() {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone || '') && zone.length <= 64 ? zone : null;
  } catch {
    return null;
  }
}

// `user`: the page's signed-in user ({id, hash}), verified by the hub; omitted when anonymous.
export const hello = (visitId, sessionId, lastSeq, user) => {
  const f = {
    type: 'hello',
    visit_id: visitId,
    session_id: sessionId || null,
    last_seq: lastSeq || 0,
    page_url: String(location.href).slice(0, 2000),
  };
  if (user) Object.assign(f, { user_id: user.id, user_hash: user.hash });
  const zone = timeZone(); // where the visitor is, for the inbox (no GeoIP offline)
  if (zone) f.timezone = zone;
  return f;
};
export const profile = (name, email, typed) => ({ type: 'profile', name: name || null, email: email || null, typed: !!typed });
// `ids`: uploads the message carries (their text may then be empty).
export const sendMessage = (clientId, text, ids) =>
  ids && ids.length ? { type: 'message.send', client_id: clientId, text, attachments: ids } : { type: 'message.send', client_id: clientId, text };
export const engage = () => ({ type: 'engage' });
export const typing = (active) => ({ type: 'typing', active: !!active });
export const ping = () => ({ type: 'ping' });
export const rate = (score, comment) => ({ type: 'rating', score, comment: comment || null });
export const rateComment = (comment) => ({ type: 'rating.comment', comment });

// Text length in characters (code points), as the hub counts it.
export const textLength = (text) => [...text].length;

/** A server frame as an object with a string `type`, or null. */
export function parse(data) {
  if (typeof data !== 'string') return null;
  try {
    const f = JSON.parse(data);
    return f && typeof f === 'object' && typeof f.type === 'string' ? f : null;
  } catch {
    return null;
  }
}

/** A random id (client_id, visit_id): a UUID when available, else 128 random bits in hex. */
export function randomId() {
  const c = globalThis.crypto;
  if (c && c.randomUUID) {
    try {
      return c.randomUUID();
    } catch {}
  }
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
