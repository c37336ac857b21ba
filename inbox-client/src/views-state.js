// Saved views (docs/protocol.md, "Saved views"): an agent's named filters, applied to the list
// and each counted live from the conversations the inbox holds. A filter is a small object of
// known keys {whose, status, team, label?, priority?}; keys this module does not match on
// (label, priority: issue 21's first half) are matched when the conversation carries them.
// Plain functions, no DOM: test/views-state.test.js.
import { inTeam } from "./teams-state.js";

/** The list's current filter, as a view saves it. */
export function currentFilter(state) {
  const filter = { whose: state.view, status: state.status, team: state.team || null };
  return filter;
}

/** The store patch that shows the view's filter in the list. */
export function applyView(view) {
  const f = view.filter || {};
  return { view: f.whose || "all", status: f.status || "open", team: f.team || "" };
}

/** Whether the list shows exactly the view's filter (its button is pressed). */
export function showing(state, view) {
  const f = view.filter || {};
  return (f.whose || "all") === state.view && (f.status || "open") === state.status
    && (f.team || "") === (state.team || "");
}

const labelled = (c, label) => (c.labels || []).some((l) => (typeof l === "string" ? l === label : l.id === label || l.name === label));

/** Whether conversation `c` matches filter `f` for agent `me`. */
export function matches(f, c, me) {
  if ((c.inbox_status || "open") !== (f.status || "open")) return false;
  if (f.whose === "mine" && c.assignee_id !== me) return false;
  if (f.whose === "unassigned" && c.assignee_id) return false;
  if (!inTeam(c, f.team || "")) return false;
  if (f.label != null && !labelled(c, f.label)) return false;
  if (f.priority != null && c.priority !== f.priority) return false;
  return true;
}

/** How many held conversations match the view's filter. */
export function countView(convs, view, me) {
  let n = 0;
  for (const c of convs.values()) if (matches(view.filter || {}, c, me)) n++;
  return n;
}

/** The views with one replaced (by id) or added at the end; `gone` removes it instead. */
export function putView(views, view, gone = false) {
  const rest = views.filter((v) => v.id !== view.id);
  if (gone) return rest;
  const at = views.findIndex((v) => v.id === view.id);
  if (at < 0) return [...views, view];
  return views.map((v) => (v.id === view.id ? view : v));
}
