// The settings forms as plain state (no DOM): each section's values from its GET and back to
// the body of its PUT, and the words its tables show. The components in components/ bind the
// values to fields. docs/protocol.md. Unit-tested in test/settings-forms.test.js.

export const USE_CASES = [["customer_support", "Customer support"], ["lead_qualification", "Lead qualification"],
  ["faq", "FAQ"], ["appointment_scheduling", "Appointment scheduling"]];

/** A textarea's non-empty lines, trimmed. */
export const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const str = (v) => (v == null ? "" : String(v));

export const profileValues = (c) => ({
  name: c.name, website: c.website || "", description: c.description || "", facts: (c.facts || []).join("\n"),
  origins: (c.allowed_origins || []).join("\n"), retention: str(c.retention_days),
});

export const profileBody = (v) => ({
  name: v.name.trim(), website: v.website.trim() || null, description: v.description.trim() || null,
  facts: lines(v.facts), allowed_origins: lines(v.origins), retention_days: v.retention ? Number(v.retention) : null,
});

export const qaBody = (v) => ({ question: v.question.trim(), answer: v.answer.trim() });

export const aiValues = (s) => ({
  enabled: s.enabled, useCase: s.use_case, instructions: s.instructions, model: s.model,
  temperature: str(s.temperature), maxTokens: str(s.max_tokens),
});

/** The AI settings' PUT body; `answerOffHours` is kept (it is set under Business hours). */
export const aiBody = (v, answerOffHours) => ({
  enabled: v.enabled, use_case: v.useCase, instructions: v.instructions, model: v.model.trim(),
  temperature: Number(v.temperature), max_tokens: Number(v.maxTokens), answer_off_hours: answerOffHours,
});

export const widgetValues = (s) => ({
  greeting: s.greeting || "", color: s.color, textColor: s.text_color, position: s.position,
  language: s.language, preChat: s.pre_chat_form,
});

export const widgetBody = (v) => ({
  greeting: v.greeting.trim() || null, color: v.color, text_color: v.textColor, position: v.position,
  language: v.language, pre_chat_form: v.preChat,
});

export const inboxValues = (s) => ({ autoAssign: s.auto_assign, cap: str(s.assign_cap) });
export const inboxBody = (v) => ({ auto_assign: v.autoAssign, assign_cap: Number(v.cap) });

/** Each integration's fields: [name, label, secret]. */
export const PROVIDERS = {
  twilio: { title: "Twilio SMS", fields: [["account_sid", "Account SID", false], ["auth_token", "Auth token", true],
    ["phone_number", "Phone number (E.164)", false]] },
  kapso: { title: "Kapso WhatsApp", fields: [["api_key", "API key", true], ["phone_number_id", "Phone number ID", false],
    ["webhook_secret", "Webhook secret", true]] },
};

/** An integration's inputs from its masked view: a secret always starts empty (the API
 * gives only its last four, which must never go back into an input). */
export const integrationValues = (spec, view) =>
  Object.fromEntries(spec.fields.map(([name, , secret]) => [name, secret ? "" : view[name] || ""]));

export const integrationBody = (spec, values) =>
  Object.fromEntries(spec.fields.map(([name]) => [name, values[name].trim()]));

/** "Configured. Auth token: set (••••abcd)." or "Not configured." */
export function integrationSummary(spec, view) {
  if (!view.configured) return "Not configured.";
  const masked = spec.fields.filter(([, , s]) => s).map(([n, label]) => `${label}: ${view[n] ? `set (${view[n]})` : "not set"}`);
  return `Configured. ${masked.join("; ")}.`;
}

/** A time for a table, or "never". */
export const when = (iso, show = (d) => d.toLocaleString()) => (iso ? show(new Date(iso)) : "never");

/** Who made an API key, as its table says: "you", a name, an email, or "an owner". */
export const createdBy = (key, myId) =>
  (key.created_by.id === myId ? "you" : key.created_by.name || key.created_by.email || "an owner");

/** A signed-in browser's name: "Chrome on Linux", or "Unknown device". */
export const deviceName = (s) => [s.browser, s.device && `on ${s.device}`].filter(Boolean).join(" ") || "Unknown device";
