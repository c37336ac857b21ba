// The walkthrough's SMS and WhatsApp steps: the exact webhook addresses to paste into Twilio
// and Kapso, and "waiting for a test message…", which turns done when one arrives (the agent
// socket's message.created re-reads the checklist).
import { el } from "./settings.js";
import { copyBox } from "./onboarding-copy.js";

const CHANNELS = {
  sms: {
    provider: "Twilio", app: "SMS",
    intro: "In the Twilio console, open your phone number's Messaging configuration and set “A message comes in” to this address (HTTP POST).",
    hooks: [["twilio_sms", "A message comes in (webhook)"], ["twilio_status", "Status callback (the hub sets it on each message it sends)"]],
    test: "Text your Twilio number from any phone.",
  },
  whatsapp: {
    provider: "Kapso", app: "WhatsApp",
    intro: "In Kapso, add a webhook for your phone number with this address and the events whatsapp.message.received and the message status events; use the same webhook secret as in Settings.",
    hooks: [["kapso", "Kapso webhook"]],
    test: "Send a WhatsApp message to your business number.",
  },
};

export function channelStep(ctx, channel) {
  const spec = CHANNELS[channel];
  const boxes = spec.hooks.map(([name, label]) => [name, copyBox(label)]);
  const account = el("p", { className: "ob-account" });
  const wait = el("p", { className: "ob-wait", role: "status" });
  const open = el("button", { type: "button", textContent: "Open Settings → Integrations" });
  open.addEventListener("click", () => openIntegrations());
  const node = el("div", {},
    el("p", { className: "set-hint", textContent: `Optional: answer ${spec.app} messages from this inbox.` }),
    el("p", { textContent: `1. Save your ${spec.provider} account in Settings → Integrations.` }), account, open,
    el("p", { textContent: `2. ${spec.intro}` }), ...boxes.map(([, box]) => box.node),
    el("p", { textContent: `3. ${spec.test}` }), wait);
  return {
    node,
    update(item, data) {
      for (const [name, box] of boxes) box.set(data.webhooks[name]);
      account.dataset.connected = String(item.connected);
      account.textContent = item.connected ? `Your ${spec.provider} account is saved.` : `No ${spec.provider} account saved yet.`;
      wait.dataset.state = item.done ? "done" : item.connected ? "waiting" : "idle";
      wait.textContent = item.done ? "Test message received." : item.connected
        ? "Waiting for a test message…" : `Waiting for your ${spec.provider} account.`;
    },
  };
}

/** The Settings view on its Integrations tab (Settings closes the walkthrough). */
function openIntegrations() {
  document.getElementById("settings-open").click();
  document.getElementById("set-tab-integrations")?.click();
}
