// The "/" list of canned responses in the reply box, as plain functions of the box's text and
// caret (components/CannedPicker.js draws it, components/Composer.js keys it). No DOM.

/** The "/word" being typed just before the caret: {start, query}, or null. */
export function pickerQuery(value, caret) {
  const before = value.slice(0, caret);
  const match = /(^|\s)\/([\w-]*)$/.exec(before);
  return match ? { start: before.length - match[2].length - 1, query: match[2].toLowerCase() } : null;
}

/** The closed picker. */
export const CLOSED = Object.freeze({ open: false, items: [], index: 0, start: 0 });

/** The picker after the box changed: the responses whose shortcut starts with the query,
 * keeping the highlighted row where it can; closed when nothing matches. */
export function updatePicker(pick, canned, value, caret) {
  const found = pickerQuery(value, caret);
  if (!found || !canned.length) return CLOSED;
  const items = canned.filter((r) => r.shortcut.toLowerCase().startsWith(found.query));
  if (!items.length) return CLOSED;
  return { open: true, items, index: Math.min(pick.open ? pick.index : 0, items.length - 1), start: found.start };
}

/** The highlighted row moved by ArrowDown (+1) or ArrowUp (-1), wrapping around. */
export function movePicker(pick, step) {
  const n = pick.items.length;
  return { ...pick, index: (pick.index + step + n) % n };
}

/** The box's text with response `i` put in place of the "/word": {value, caret}. */
export function insertCanned(pick, i, value, caret) {
  const r = pick.items[i];
  if (!r) return null;
  return { value: value.slice(0, pick.start) + r.text + value.slice(caret), caret: pick.start + r.text.length };
}
