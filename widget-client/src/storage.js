// session_id per widget key: localStorage, or memory when storage is missing or throws
// (Safari private mode, sandboxed iframes, storage disabled, quota).

const memory = new Map();
const slot = (key) => 'leadop.session.' + key;

export function loadSession(key) {
  let value = null;
  try {
    value = window.localStorage.getItem(slot(key));
  } catch {}
  return value || memory.get(slot(key)) || null;
}

export function saveSession(key, sessionId) {
  memory.set(slot(key), sessionId);
  try {
    window.localStorage.setItem(slot(key), sessionId);
  } catch {}
}
