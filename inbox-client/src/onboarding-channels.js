// The walkthrough's SMS and WhatsApp steps, no DOM: their words, the webhook addresses to paste
// into Twilio and Kapso, and the "waiting for a test message…" line, which turns done when one
// arrives (the agent socket's message.created re-reads the checklist).

export const CHANNELS = {
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

/** Whether the provider's account is saved: {connected, text} (empty before the checklist). */
export function accountLine(item, provider) {
  if (!item) return { connected: undefined, text: "" };
  return { connected: String(item.connected),
    text: item.connected ? `Your ${provider} account is saved.` : `No ${provider} account saved yet.` };
}

/** The waiting line: idle without an account, waiting with one, done once a message came. */
export function channelWait(item, provider) {
  if (!item) return { state: undefined, text: "" };
  if (item.done) return { state: "done", text: "Test message received." };
  if (item.connected) return { state: "waiting", text: "Waiting for a test message…" };
  return { state: "idle", text: `Waiting for your ${provider} account.` };
}
