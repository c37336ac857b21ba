// The owners' onboarding walkthrough: a checklist read from GET /api/onboarding (the company's
// own data says what is done) and one step at a time beside it. Opens by itself for an owner
// whose checklist is not done and who has not dismissed it; the header's "Get started" opens it
// any time. The agent socket's frames tick steps live (a test SMS, a first visit).
import { closeSettings, el, explain, request } from "./settings.js";
import { profileStep, knowledgeStep, teamStep } from "./onboarding-forms.js";
import { widgetStep } from "./onboarding-widget.js";
import { channelStep } from "./onboarding-channels.js";

const STEPS = [
  ["profile", "Company profile", profileStep],
  ["widget", "Install the chat widget", widgetStep],
  ["sms", "SMS through Twilio", (ctx) => channelStep(ctx, "sms")],
  ["whatsapp", "WhatsApp through Kapso", (ctx) => channelStep(ctx, "whatsapp")],
  ["knowledge", "Teach the AI", knowledgeStep],
  ["team", "Invite your team", teamStep],
];
// Frames that may tick a step: an inbound message on a channel, a visit counted.
const CHANNEL_ITEM = { sms: "sms", whatsapp: "whatsapp" };

const state = { owner: false, data: null, open: false, built: false, autoOpened: false, current: "profile",
  steps: new Map(), loading: null, again: false };

/** Show "Get started" to owners; open the walkthrough once per page if the checklist wants it. */
export async function mountOnboarding({ owner }) {
  state.owner = owner;
  const button = document.getElementById("onboarding-open");
  button.hidden = !owner;
  if (!owner) { closeOnboarding(); forget(); return; }
  if (!button.dataset.wired) {
    button.dataset.wired = "1";
    button.addEventListener("click", () => (state.open ? closeOnboarding() : openOnboarding()));
    document.getElementById("settings-open").addEventListener("click", closeOnboarding);
  }
  await refresh();
  if (state.autoOpened || !state.data) return;
  state.autoOpened = true; // a reconnect's new welcome never opens it again
  if (!state.data.done && !state.data.dismissed) openOnboarding();
}

/** Signed out: the next owner (maybe of another company) starts afresh. */
function forget() {
  Object.assign(state, { data: null, built: false, autoOpened: false, current: "profile" });
  state.steps.clear();
  document.getElementById("onboarding").replaceChildren();
  document.getElementById("onboarding-left").hidden = true;
}

/** Leave the walkthrough (sign-out, a conversation opened from a notification, Settings). */
export function closeOnboarding() {
  const root = document.getElementById("onboarding");
  if (!state.open) { root.hidden = true; return; }
  const inside = root.contains(document.activeElement);
  state.open = false;
  root.hidden = true;
  document.body.classList.remove("onboarding-open");
  const button = document.getElementById("onboarding-open");
  button.setAttribute("aria-expanded", "false");
  if (inside && !button.hidden) button.focus();
}

/** Every agent-socket frame passes here: what may tick a step re-reads the checklist. */
export function onboardingFrame(f) {
  if (!state.owner || !state.data) return;
  if (f.type === "message.created" && f.message?.direction === "inbound") {
    const item = CHANNEL_ITEM[f.message.channel];
    if (item && !itemOf(item)?.done) refresh();
  } else if (f.type === "stats.updated" && f.visits > 0 && !itemOf("widget")?.done) {
    refresh();
  }
}

function openOnboarding() {
  const root = document.getElementById("onboarding");
  closeSettings();
  if (!state.built) build(root);
  state.open = true;
  root.hidden = false;
  document.body.classList.add("onboarding-open");
  document.getElementById("onboarding-open").setAttribute("aria-expanded", "true");
  const first = state.data?.items.find((i) => !i.done && !i.optional)?.id;
  select(first || state.current);
  root.querySelector("#onboarding-title").focus();
  refresh();
}

const itemOf = (id) => state.data?.items.find((i) => i.id === id);

/** Re-read the checklist (one call at a time; a call asked meanwhile runs once after it). */
async function refresh() {
  if (state.loading) { state.again = true; return state.loading; }
  state.loading = (async () => {
    do {
      state.again = false;
      const got = await request("GET", "/api/onboarding");
      if (got.ok) show(got.body);
      else if (got.status !== 401) say(explain(got));
    } while (state.again);
  })();
  try { await state.loading; } finally { state.loading = null; }
}

function show(data) {
  state.data = data;
  const left = document.getElementById("onboarding-left");
  left.textContent = data.left ? `${data.left} left` : "";
  left.hidden = !data.left;
  document.getElementById("onboarding-open").dataset.left = String(data.left);
  if (!state.built) return;
  const root = document.getElementById("onboarding");
  const required = data.items.filter((i) => !i.optional);
  root.querySelector(".ob-progress").textContent =
    `${required.length - data.left} of ${required.length} steps done` + (data.done ? ": you are all set." : "");
  for (const item of data.items) {
    const entry = root.querySelector(`[data-step="${item.id}"]`);
    entry.dataset.done = String(item.done);
    entry.querySelector(".ob-mark").textContent = item.done ? "✓" : "○";
    entry.querySelector(".sr-only").textContent = item.done ? " (done)" : item.optional ? " (optional, to do)" : " (to do)";
    state.steps.get(item.id)?.update(item, data);
  }
  const dismiss = root.querySelector(".ob-dismiss");
  dismiss.textContent = data.dismissed ? "Open this by itself again" : "Don't open this by itself";
}

const say = (text) => { const s = document.querySelector("#onboarding .ob-status"); if (s) s.textContent = text; };

function build(root) {
  state.built = true;
  const title = el("h2", { id: "onboarding-title", textContent: "Get started", tabIndex: -1 });
  const progress = el("p", { className: "ob-progress", role: "status" });
  const dismiss = el("button", { type: "button", className: "ob-dismiss" });
  dismiss.addEventListener("click", async () => {
    const result = await request("PUT", "/api/onboarding", { dismissed: !state.data?.dismissed });
    if (!result.ok) return say(explain(result));
    show(result.body);
    if (result.body.dismissed) closeOnboarding();
  });
  const back = el("button", { type: "button", textContent: "← Back to inbox" });
  back.addEventListener("click", closeOnboarding);
  const list = el("ol", { className: "ob-checklist" });
  list.setAttribute("aria-label", "Checklist");
  const stage = el("div", { className: "ob-stage" });
  const ctx = { refresh, data: () => state.data, request, explain };
  for (const [id, label, make] of STEPS) {
    const pick = el("button", { type: "button", className: "ob-pick" },
      el("span", { className: "ob-mark", textContent: "○" }), el("span", { textContent: label }),
      el("span", { className: "sr-only" }));
    pick.addEventListener("click", () => select(id, true));
    const entry = el("li", {}, pick);
    entry.dataset.step = id;
    if (id === "sms" || id === "whatsapp") entry.append(el("span", { className: "ob-optional", textContent: "optional" }));
    list.append(entry);
    const step = make(ctx);
    const panel = el("section", { id: `ob-step-${id}`, className: "ob-step", hidden: true },
      el("h3", { textContent: label, tabIndex: -1 }), step.node);
    panel.setAttribute("aria-label", label);
    panel.dataset.step = id;
    stage.append(panel);
    state.steps.set(id, step);
  }
  const head = el("div", { className: "ob-head" }, el("div", {}, title, progress),
    el("div", { className: "ob-actions" }, dismiss, back));
  root.replaceChildren(head, el("p", { className: "ob-status", role: "alert" }),
    el("div", { className: "ob-body" }, list, stage));
  if (state.data) show(state.data);
}

function select(id, focus = false) {
  state.current = id;
  const root = document.getElementById("onboarding");
  for (const entry of root.querySelectorAll(".ob-checklist li")) {
    const on = entry.dataset.step === id;
    if (on) entry.querySelector("button").setAttribute("aria-current", "step");
    else entry.querySelector("button").removeAttribute("aria-current");
  }
  for (const panel of root.querySelectorAll(".ob-step")) panel.hidden = panel.dataset.step !== id;
  if (focus) root.querySelector(`#ob-step-${id} h3`).focus();
}
