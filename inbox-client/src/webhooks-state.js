// Settings → Webhooks as plain logic (no DOM): the events an endpoint can subscribe to,
// grouped as the owner reads them; the words for an endpoint's state and a delivery's
// status; and the checks a new or edited endpoint passes before it is sent.
// The list mirrors hub/webhooks/catalog.py (docs/protocol.md, "Outgoing webhooks").
// Unit-tested in test/webhooks-state.test.js.

/** [group title, [[event type, what it means], …]], every type the hub accepts, once. */
export const EVENT_GROUPS = [
  ["Conversations", [
    ["conversation.created", "A conversation starts"],
    ["conversation.status_changed", "Its status changes"],
    ["conversation.assigned", "It is assigned"],
    ["conversation.resolved", "It is resolved"],
  ]],
  ["Messages", [
    ["message.created", "A message is stored"],
    ["message.delivery_status_changed", "An SMS or WhatsApp reply's status changes"],
  ]],
  ["Contacts", [
    ["contact.created", "A contact is created"],
    ["contact.updated", "A contact is updated"],
    ["contact.erased", "A contact is erased"],
  ]],
  ["Leads", [
    ["lead.captured", "The AI captures lead details"],
    ["appointment.requested", "The AI records an appointment request"],
    ["rating.given", "A visitor rates a conversation"],
  ]],
];

export const EVENT_TYPES = EVENT_GROUPS.flatMap(([, events]) => events.map(([type]) => type));
export const MAX_EVENTS = 20;
const MAX_URL = 2000;
const MAX_DESCRIPTION = 200;

/** `events` with `type` added (checked) or taken out, in the catalogue's order. */
export function toggleEvent(events, type, checked) {
  const chosen = new Set(events);
  if (checked) chosen.add(type); else chosen.delete(type);
  return EVENT_TYPES.filter((t) => chosen.has(t));
}

/** Why the form cannot be sent yet, or "" when it can (the hub checks again, and resolves). */
export function endpointProblem({ url, description = "", events }) {
  const trimmed = url.trim();
  if (!trimmed) return "Enter the endpoint's URL.";
  if (trimmed.length > MAX_URL) return `The URL is longer than ${MAX_URL} characters.`;
  let parsed;
  try { parsed = new URL(trimmed); } catch { return "The URL must be http(s)://host/…"; }
  if (!["http:", "https:"].includes(parsed.protocol) || !parsed.hostname) return "The URL must be http(s)://host/…";
  if (parsed.username || parsed.password) return "Leave the user name and password out of the URL.";
  if (description.trim().length > MAX_DESCRIPTION) return `The description is longer than ${MAX_DESCRIPTION} characters.`;
  if (!events.length) return "Pick at least one event.";
  if (events.some((e) => !EVENT_TYPES.includes(e))) return "An event is not one the hub sends.";
  return "";
}

/** The POST/PATCH body for the form's values. */
export const endpointBody = ({ url, description = "", events }) => ({
  url: url.trim(), description: description.trim(), events: [...events],
});

/** "Active", or "Paused: <why>" (a pause by hand has no reason). */
export function stateLabel(endpoint) {
  if (endpoint.state !== "paused") return "Active";
  return endpoint.paused_reason ? `Paused: ${endpoint.paused_reason}` : "Paused";
}

const STATUS = { delivered: "Delivered", failed: "Failed", pending: "Pending" };

/** A delivery's status in words: a pending one says whether it is retrying or waiting. */
export function deliveryWords(d) {
  if (d.status === "pending") {
    if (d.attempts > 0) return `Retrying (attempt ${d.attempts} failed)`;
    return d.next_attempt_at ? "Pending" : "Waiting behind an earlier event";
  }
  return STATUS[d.status] || d.status;
}

/** The response kept for a delivery, cut to `max` characters ("…" when cut). */
export function clipped(text, max = 500) {
  if (!text) return "";
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The alert owners see when the hub paused an endpoint (the `webhook.paused` frame). */
export function pausedAlert(webhook) {
  const name = webhook?.description || webhook?.url || "an endpoint";
  return `Webhook ${name} was paused: every delivery failed for a day. Resume it in Settings → Webhooks.`;
}

const SOON_MS = 60_000;

/** Whether a delivery in `list` is pending with an attempt due within a minute of `now`
 * (the log then reads itself again shortly, to show how it went). */
export const dueSoon = (list, now) =>
  list.some((d) => d.status === "pending" && d.next_attempt_at && Date.parse(d.next_attempt_at) - now < SOON_MS);

/** What the last attempt got: {code, response, error}. A delivered row keeps no code of its
 * own (the hub marks deliveries delivered in batches), so its attempt log has the last word. */
export function lastAttempt(d) {
  const log = d.log || [];
  const last = log.reduce((a, b) => (!a || b.attempt > a.attempt ? b : a), null);
  return {
    code: last?.status_code ?? d.last_status_code ?? null,
    response: last?.response ?? d.last_response ?? "",
    error: last?.error ?? d.last_error ?? "",
  };
}
