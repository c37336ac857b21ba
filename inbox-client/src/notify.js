// Desktop notifications, their sound, and the unread count in the tab title (docs/protocol.md,
// "Inbox notifications"). main.js calls the hooks below; components/NotifySwitches.js draws
// the switches from the notifier's `prefs` store.
//
// - While the tab is in the background (hidden, or the window not focused), a new inbound
//   message (a visitor's or contact's; never an agent's, the AI's or a note) in a conversation
//   assigned to nobody or to this agent shows a Notification (title: the contact's name, phone or email, or
//   "New conversation"; body: the message; one per conversation, `tag` = its id, so a newer
//   one replaces it; a click focuses the tab and opens it) and plays a short beep. Someone
//   else's conversations stay quiet: they are that agent's to answer.
// - The switches (`notifications`, `sound`) are the agent's own, stored by the hub
//   (PATCH /api/agents/me), so they follow the agent to every device.
// - The title counts conversations with unread inbound messages: "(3) Inbox — LeadOp Hub".

import { createStore } from "./store.js";

const PREVIEW = 140; // characters of the message in a notification's body

/** The notifier; `api(path, options)` is main.js's API call, `open(id)` opens a conversation. */
export function createNotifier({ api, open }) {
  const base = document.title.replace(/^\(\d+\) /, "");
  // `ready`: the agent's switches are known; `n` redraws them after a refused change.
  const prefs = createStore({ notifications: false, sound: false, ready: false, permission: null, n: 0 });
  const permission = () => window.Notification?.permission ?? null;
  let audio = null; // created on a user gesture: the autoplay policy allows no earlier start

  // The first gesture anywhere on the page may create (or resume) the AudioContext.
  const unlock = () => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  };
  for (const type of ["pointerdown", "keydown"]) addEventListener(type, unlock, { capture: true });

  async function ask() {
    await Notification.requestPermission().catch(() => "denied");
    prefs.set({ permission: permission() });
  }

  async function turn(name, on) {
    if (name === "notifications" && on && permission() === "default") await ask();
    const me = await api("/api/agents/me", { method: "PATCH", body: { [name]: on } });
    if (me) prefs.set({ notifications: !!me.notifications, sound: !!me.sound });
    prefs.set((p) => ({ permission: permission(), n: p.n + 1 }));
  }

  const background = () => document.visibilityState === "hidden" || !document.hasFocus();

  function beep() {
    if (!audio || audio.state === "closed") return;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  }

  function show(conv, m) {
    if (!prefs.get().notifications || permission() !== "granted") return;
    const first = m.attachments?.[0]; // named as in the conversation list's preview
    const text = m.text || (first ? `[${first.name || first.filename || m.type || "attachment"}]` : "");
    const c = conv.contact; // named as the list names it; unknown yet on a first message
    const n = new Notification(c?.name || c?.phone || c?.email || "New conversation", {
      body: text.length > PREVIEW ? text.slice(0, PREVIEW - 1) + "…" : text,
      tag: conv.id, // a newer message of the conversation replaces its notification
    });
    n.onclick = () => {
      window.focus();
      open(conv.id);
      n.close();
    };
  }

  return {
    prefs,
    /** Turn a switch ("notifications" or "sound") on or off, for this agent everywhere. */
    turn,
    /** Ask this browser for permission (a click on "Allow": a user gesture). */
    allow: ask,
    /** GET /api/agents/me's answer: the agent's switches. */
    profile(me) {
      if (!me) return;
      prefs.set({ notifications: !!me.notifications, sound: !!me.sound, ready: true, permission: permission() });
    },
    /** A new inbound (visitor or contact) message `m` of `conv`; `me` is this agent's id. */
    inbound(conv, m, me) {
      if (!background() || (conv.assignee_id && conv.assignee_id !== me)) return;
      show(conv, m);
      if (prefs.get().sound) beep();
    },
    /** The tab title: `n` conversations have unread messages. */
    title(n) {
      const want = n ? `(${n}) ${base}` : base;
      if (document.title !== want) document.title = want;
    },
  };
}
