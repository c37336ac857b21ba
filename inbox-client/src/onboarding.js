// The owners' onboarding walkthrough: a checklist read from GET /api/onboarding (the company's
// own data says what is done) and one step at a time beside it (components/Onboarding.js).
// Opens by itself for an owner whose checklist is not done and who has not dismissed it; the
// header's "Get started" opens it any time. The agent socket's frames tick steps live (a test
// SMS, a first visit). This module is the seam main.js calls and owns the page's parts
// outside the component: the header button, its badge, the section's visibility and focus.
import { render } from "preact";
import { closeSettings } from "./settings.js";
import { explain, request } from "./http.js";
import { createStore } from "./store.js";
import { coalesce } from "./coalesce.js";
import { firstStep, frameMayTick, leftBadge, opensByItself } from "./onboarding-state.js";
import { Onboarding } from "./components/Onboarding.js";

const FRESH = { data: null, current: "profile", error: "", focus: null };
const store = createStore(FRESH);
const state = { owner: false, open: false, built: false, autoOpened: false };
const $ = (id) => document.getElementById(id);

/** Show "Get started" to owners; open the walkthrough once per page if the checklist wants it. */
export async function mountOnboarding({ owner }) {
  state.owner = owner;
  const button = $("onboarding-open");
  button.hidden = !owner;
  if (!owner) { closeOnboarding(); forget(); return; }
  if (!button.dataset.wired) {
    button.dataset.wired = "1";
    button.addEventListener("click", () => (state.open ? closeOnboarding() : openOnboarding()));
    $("settings-open").addEventListener("click", closeOnboarding);
  }
  await refresh();
  if (state.autoOpened || !store.get().data) return;
  state.autoOpened = true; // a reconnect's new welcome never opens it again
  if (opensByItself(store.get().data)) openOnboarding();
}

/** Signed out: the next owner (maybe of another company) starts afresh. */
function forget() {
  Object.assign(state, { built: false, autoOpened: false });
  store.set(FRESH);
  render(null, $("onboarding"));
  $("onboarding-left").hidden = true;
}

/** Leave the walkthrough (sign-out, a conversation opened from a notification, Settings). */
export function closeOnboarding() {
  const root = $("onboarding");
  if (!state.open) { root.hidden = true; return; }
  const inside = root.contains(document.activeElement);
  state.open = false;
  root.hidden = true;
  document.body.classList.remove("onboarding-open");
  const button = $("onboarding-open");
  button.setAttribute("aria-expanded", "false");
  if (inside && !button.hidden) button.focus();
}

/** Every agent-socket frame passes here: what may tick a step re-reads the checklist. */
export function onboardingFrame(f) {
  if (state.owner && frameMayTick(f, store.get().data)) refresh();
}

function openOnboarding() {
  const root = $("onboarding");
  closeSettings();
  if (!state.built) {
    state.built = true;
    render(<Onboarding store={store} actions={{ refresh, select, dismiss, close: closeOnboarding }} />, root);
  }
  state.open = true;
  root.hidden = false;
  document.body.classList.add("onboarding-open");
  $("onboarding-open").setAttribute("aria-expanded", "true");
  select(firstStep(store.get().data, store.get().current));
  $("onboarding-title").focus();
  refresh();
}

/** Re-read the checklist (one read at a time; one asked for meanwhile runs once after it). */
const refresh = coalesce(async () => {
  const got = await request("GET", "/api/onboarding");
  if (got.ok) show(got.body);
  else if (got.status !== 401) say(explain(got));
});

function show(data) {
  store.set({ data, error: "" });
  const left = $("onboarding-left");
  left.textContent = leftBadge(data);
  left.hidden = !data.left;
  $("onboarding-open").dataset.left = String(data.left);
}

/** The walkthrough's error line (only while it is drawn: a closed one has nowhere to say it). */
const say = (text) => { if (state.built) store.set({ error: text }); };

async function dismiss() {
  const result = await request("PUT", "/api/onboarding", { dismissed: !store.get().data?.dismissed });
  if (!result.ok) return say(explain(result));
  show(result.body);
  if (result.body.dismissed) closeOnboarding();
}

/** Show one step; `focus` moves the keyboard to it (a pick from the checklist). */
function select(id, focus = false) {
  store.set(focus ? { current: id, focus: { id } } : { current: id });
}
