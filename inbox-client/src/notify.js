// Desktop notifications, their sound, and the unread count in the tab title (docs/protocol.md,
// "Inbox notifications"). Imported by inbox.js, which calls the hooks below.
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

const PREVIEW = 140; // characters of the message in a notification's body

/** The notifier; `api(path, options)` is inbox.js's fetch, `open(id)` opens a conversation. */
export function createNotifier({ api, open }) {
  const base = document.title.replace(/^\(\d+\) /, "");
  const prefs = { notifications: false, sound: false };
  const ui = mount();
  let audio = null; // created on a user gesture: the autoplay policy allows no earlier start

  // The first gesture anywhere on the page may create (or resume) the AudioContext.
  const unlock = () => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  };
  for (const type of ["pointerdown", "keydown"]) addEventListener(type, unlock, { capture: true });

  function mount() {
    const box = Object.assign(document.createElement("div"), { className: "notify" });
    const toggle = (id, text) => {
      const label = document.createElement("label");
      const input = Object.assign(document.createElement("input"), { type: "checkbox", id, disabled: true });
      label.append(input, " ", text);
      box.append(label);
      return input;
    };
    const notifications = toggle("notify-toggle", "Desktop notifications");
    const sound = toggle("sound-toggle", "Sound");
    const status = Object.assign(document.createElement("span"), { id: "notify-status", className: "notify-status" });
    status.setAttribute("role", "status");
    // On, but this browser has not been asked yet: asking needs a click (a user gesture).
    const allow = Object.assign(document.createElement("button"), { type: "button", id: "notify-allow",
      textContent: "Allow", title: "Allow notifications in this browser", hidden: true });
    allow.addEventListener("click", async () => {
      await Notification.requestPermission().catch(() => "denied");
      paint();
    });
    box.append(status, allow);
    const conn = document.getElementById("conn");
    conn.parentNode.insertBefore(box, conn);
    notifications.addEventListener("change", () => turn("notifications", notifications.checked));
    sound.addEventListener("change", () => turn("sound", sound.checked));
    return { notifications, sound, status, allow };
  }

  function paint() {
    ui.notifications.checked = prefs.notifications;
    ui.sound.checked = prefs.sound;
    ui.notifications.disabled = ui.sound.disabled = false;
    const permission = window.Notification?.permission;
    const denied = prefs.notifications && permission === "denied";
    ui.allow.hidden = !(prefs.notifications && permission === "default");
    ui.status.textContent = !window.Notification && prefs.notifications
      ? "This browser cannot show notifications."
      : denied ? "Notifications are blocked by the browser: allow them for this site." : "";
  }

  async function turn(name, on) {
    if (name === "notifications" && on && window.Notification?.permission === "default") {
      await Notification.requestPermission().catch(() => "denied");
    }
    const me = await api("/api/agents/me", { method: "PATCH", body: JSON.stringify({ [name]: on }) });
    if (me) Object.assign(prefs, { notifications: !!me.notifications, sound: !!me.sound });
    paint();
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
    if (!prefs.notifications || window.Notification?.permission !== "granted") return;
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
    /** GET /api/agents/me's answer: the agent's switches. */
    profile(me) {
      if (!me) return;
      prefs.notifications = !!me.notifications;
      prefs.sound = !!me.sound;
      paint();
    },
    /** A new inbound (visitor or contact) message `m` of `conv`; `me` is this agent's id. */
    inbound(conv, m, me) {
      if (!background() || (conv.assignee_id && conv.assignee_id !== me)) return;
      show(conv, m);
      if (prefs.sound) beep();
    },
    /** The tab title: the number of conversations with unread messages. */
    title(convs) {
      let n = 0;
      for (const c of convs) if (c.unread > 0) n++;
      const want = n ? `(${n}) ${base}` : base;
      if (document.title !== want) document.title = want;
    },
  };
}
