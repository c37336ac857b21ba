// What the widget keeps per widget key (the session_id, the company's last config, how far the
// visitor has read): localStorage, or memory when storage is missing or throws (Safari private
// mode, sandboxed iframes, storage disabled, quota).

const memory = new Map();

/** The stored string under `kind` for this widget key, or null. */
export function load(kind, key) {
  const slot = 'leadop.' + kind + '.' + key;
  let value = null;
  try {
    value = window.localStorage.getItem(slot);
  } catch {}
  return value || memory.get(slot) || null;
}

export function save(kind, key, value) {
  const slot = 'leadop.' + kind + '.' + key;
  memory.set(slot, value);
  try {
    window.localStorage.setItem(slot, value);
  } catch {}
}

/** A stored JSON value, or null when missing or unreadable. */
export function loadJSON(kind, key) {
  try {
    return JSON.parse(load(kind, key));
  } catch {
    return null;
  }
}

export const saveJSON = (kind, key, value) => save(kind, key, JSON.stringify(value));
