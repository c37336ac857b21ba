// The owners' settings view of the inbox (an agent sees its Account tab only): one tab per
// part of the company's settings, each a form over the HTTP API (docs/protocol.md), drawn by
// Preact components (components/SettingsView.js and the tabs it holds). This module is the
// seam main.js and onboarding.js call: mountSettings, closeSettings. No inline script/style.
import { render } from "preact";
import { SettingsView } from "./components/SettingsView.js";
import { whenUnauthorized } from "./http.js";
import { initialView, selectTab } from "./settings-state.js";
import { createStore } from "./store.js";

const ctx = { built: false, open: false, owner: null, me: null, view: null };

/** Show the Settings entry (everyone has an Account tab; only owners see the rest). */
export function mountSettings({ owner, signOut, me }) {
  if (ctx.built && ctx.owner !== owner) { closeSettings(); ctx.built = false; } // the role changed
  Object.assign(ctx, { me, owner });
  whenUnauthorized(() => signOut("Invalid or expired token"));
  const button = document.getElementById("settings-open");
  button.hidden = false;
  button.dataset.for = owner ? "owner" : "agent";
  if (!button.dataset.wired) {
    button.dataset.wired = "1";
    button.addEventListener("click", () => (ctx.open ? closeSettings() : openSettings()));
  }
}

/** Every agent-socket frame passes here: a paused webhook reads the Webhooks tab again
 * when it is the one shown (a hidden tab is read anyway when it is next selected). */
export function settingsFrame(f) {
  if (f.type !== "webhook.paused" || !ctx.open || ctx.view?.get().selected !== "webhooks") return;
  ctx.view.set((s) => selectTab(s, "webhooks"));
}

/** Leave the settings view (sign-out, or a non-owner). */
export function closeSettings() {
  const root = document.getElementById("settings");
  const inside = root.contains(document.activeElement); // e.g. "← Back to inbox", now hidden
  ctx.open = false;
  document.body.classList.remove("settings-open");
  root.hidden = true;
  const button = document.getElementById("settings-open");
  button.setAttribute("aria-expanded", "false");
  if (inside && !button.hidden) button.focus(); // where the keyboard came in, not the body
}

/** Show the view (drawn the first time, and again for a new role), reading the selected
 * tab again: what another owner changed shows up. The keyboard lands on that tab. */
function openSettings() {
  const root = document.getElementById("settings");
  if (!ctx.built) {
    ctx.built = true;
    ctx.view = createStore(initialView(ctx.owner));
  }
  ctx.view.set((s) => selectTab(s, s.selected));
  render(<SettingsView key={ctx.owner ? "owner" : "agent"} store={ctx.view} owner={ctx.owner} me={ctx.me}
    close={closeSettings} />, root);
  ctx.open = true;
  root.hidden = false;
  document.body.classList.add("settings-open");
  document.getElementById("settings-open").setAttribute("aria-expanded", "true");
  document.getElementById(`set-tab-${ctx.view.get().selected}`)?.focus();
}
