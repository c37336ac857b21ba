// Labels and priority (issue 21) as plain logic, no DOM: the list's label and priority filter,
// a picker's toggles and search, and the chip colours. Components/Label*.js and
// PriorityBadge.js draw it; test/labels-state.test.js runs it under `node --test`.

/** The priorities, lowest first, with their words (the hub's values: docs/protocol.md). */
export const PRIORITIES = [["none", "No priority"], ["low", "Low"], ["medium", "Medium"], ["high", "High"], ["urgent", "Urgent"]];
/** The palette the hub knows by name (hub.workspace.labels.PALETTE). */
export const PALETTE = {
  grey: "#4b5563", red: "#b91c1c", orange: "#c2410c", amber: "#a16207", green: "#15803d",
  teal: "#0f766e", blue: "#1d4ed8", indigo: "#4338ca", purple: "#7e22ce", pink: "#be185d",
};
const DARK_TEXT = "#111318";

/** The words for a priority. */
export const priorityText = (p) => (PRIORITIES.find(([key]) => key === p) || PRIORITIES[0])[1];

/** No filter: every label, every priority. */
export const NO_FILTER = { label: "", priority: "" };

/** Whether conversation `c` passes the filter ({label: id or "", priority: value or ""}). */
export function passes(filter, c) {
  if (!filter) return true;
  if (filter.priority && (c.priority || "none") !== filter.priority) return false;
  if (filter.label && !(c.labels || []).some((l) => l.id === filter.label)) return false;
  return true;
}

/** The conversations that pass the filter, in their order (the same array without one). */
export function filtered(list, filter) {
  if (!filter || (!filter.label && !filter.priority)) return list;
  return list.filter((c) => passes(filter, c));
}

/** The query parameters of the filter, for `GET /api/conversations`. */
export function filterParams(filter, params = new URLSearchParams()) {
  if (filter?.label) params.set("label", filter.label);
  if (filter?.priority) params.set("priority", filter.priority);
  return params;
}

/** The label ids of a conversation or contact. */
export const labelIds = (held) => (held?.labels || []).map((l) => l.id);

/** `ids` with `id` added, or taken out when it is there. */
export const toggled = (ids, id) => (ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id]);

/** The labels whose name holds `query` (any case), by name. */
export function matching(labels, query) {
  const q = (query || "").trim().toLowerCase();
  const found = q ? labels.filter((l) => l.name.toLowerCase().includes(q)) : labels;
  return [...found].sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether conversation `c` shows a label the catalogue does not hold as it is (new, renamed or
 * recoloured elsewhere, e.g. in another owner's settings): the catalogue is read again. */
export function stale(labels, c) {
  return (c?.labels || []).some((l) => !labels.some((k) => k.id === l.id && k.name === l.name && k.colour === l.colour));
}

/** A filter whose label is no longer in the catalogue falls back to every label. */
export function keptFilter(filter, labels) {
  if (!filter?.label || labels.some((l) => l.id === filter.label)) return filter;
  return { ...filter, label: "" };
}

function luminance(hex) {
  const channel = (i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG's contrast ratio of two `#rrggbb` colours. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** A chip's colours: its label's colour behind the text, white or near-black, whichever reads
 * better on it; the same in light and dark mode, since the chip brings its own background. */
export function chipColours(colour) {
  const bg = /^#[0-9a-f]{6}$/i.test(colour || "") ? colour.toLowerCase() : PALETTE.grey;
  const fg = contrast(bg, "#ffffff") >= contrast(bg, DARK_TEXT) ? "#ffffff" : DARK_TEXT;
  return { background: bg, color: fg };
}
