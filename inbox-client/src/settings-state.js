// The settings view's shell as plain state (no DOM): which tabs an agent sees, which one is
// selected, and which panels are loading. settings.js keeps it in a store (store.js);
// SettingsView draws it. Unit-tested in test/settings-state.test.js.

export const TABS = [
  ["profile", "Profile & facts"], ["qa", "Q&A pairs"], ["ai", "AI"], ["widget", "Widget"],
  ["inbox", "Inbox"], ["team", "Team"], ["teams", "Teams"], ["integrations", "Integrations"], ["analytics", "Analytics"],
  ["webhooks", "Webhooks"], // issue 21
  ["hours", "Business hours"], ["apikeys", "API keys"], ["labels", "Labels"], ["account", "Account"],
];

/** The tabs an agent sees: an owner all, anyone else its own account only. */
export const tabsFor = (owner) => (owner ? TABS : TABS.filter(([key]) => key === "account"));

/** The view before it is first shown: the first tab selected, nothing loaded. */
export const initialView = (owner) => ({ selected: tabsFor(owner)[0][0], loads: {}, busy: {} });

/** Show `key`: it is (re)read from the API, so its load count goes up and it is busy until
 * that load settles. Selecting the shown tab again reads it again. */
export function selectTab(view, key) {
  const load = (view.loads[key] || 0) + 1;
  return { selected: key, loads: { ...view.loads, [key]: load }, busy: { ...view.busy, [key]: true } };
}

/** Load `load` of `key` finished; an older one (superseded by a newer selection) changes nothing. */
export function settled(view, key, load) {
  if (view.loads[key] !== load || !view.busy[key]) return null;
  return { busy: { ...view.busy, [key]: false } };
}

const STEPS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/** The tab a key press in the tab list moves to (wrapping), or null for another key. */
export function stepTab(keys, current, pressed) {
  const at = keys.indexOf(current);
  if (pressed === "Home") return keys[0];
  if (pressed === "End") return keys[keys.length - 1];
  const step = STEPS[pressed];
  if (!step) return null;
  return keys[(at + step + keys.length) % keys.length];
}
