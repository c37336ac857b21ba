// The words of search results and contacts, as plain functions (no DOM): what to call a
// contact, relative times, a snippet's marked parts, a search's summary. Drawn by
// components/Search.js, Hit.js, Marked.js and Ago.js; tested in test/search.test.js.
import { visitorName } from "./visitor.js";

export const CHANNEL_LABEL = { widget: "Chat", sms: "SMS", whatsapp: "WhatsApp" };

/** What to call a contact: the name, else the phone, else the email, else a friendly name
 * from its id ("Amber Otter", visitor.js), the same for everyone. */
export function contactLabel(contact) {
  return contact?.name || contact?.phone || contact?.email || visitorName(contact?.id);
}

// One formatter of each kind, made once: toLocale*String builds one per call, which cost
// most of the time of drawing a thousand list items.
const DATE = new Intl.DateTimeFormat([], { dateStyle: "medium" });
const DATE_TIME = new Intl.DateTimeFormat([], { dateStyle: "medium", timeStyle: "short" });
const SHORT = new Intl.DateTimeFormat([], { dateStyle: "short", timeStyle: "short" });
const CLOCK = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });

/** "7 Dec 2026, 14:32": a time in full (a relative time's title). */
export const fullTime = (iso) => DATE_TIME.format(new Date(iso));

/** "07/12/2026, 14:32": a short date and time (until when a conversation is snoozed). */
export const shortTime = (iso) => SHORT.format(new Date(iso));

/** "14:32": the time of day of a message or note. */
export const clockTime = (iso) => CLOCK.format(new Date(iso));

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", else the date. */
export function relativeTime(iso, now = Date.now()) {
  const then = new Date(iso).getTime();
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return DATE.format(new Date(iso));
}

/** A snippet as [text, marked] parts: each [start, end) of `marks` marked. The offsets count
 * code points, not UTF-16 units; overlapping marks are skipped. */
export function markParts(snippet) {
  const chars = Array.from(snippet.text);
  const part = (a, b) => chars.slice(a, b).join("");
  const parts = [];
  let at = 0;
  for (const [start, end] of snippet.marks || []) {
    if (start < at) continue;
    if (start > at) parts.push([part(at, start), false]);
    parts.push([part(start, end), true]);
    at = end;
  }
  if (at < chars.length) parts.push([part(at), false]);
  return parts;
}

/** "Chat, SMS": a contact's channels. */
export const channelsText = (list) => (list || []).map((ch) => CHANNEL_LABEL[ch] || ch).join(", ");

/** A contact's last message; an attachment without text is stored with an empty text. */
export function lastText(last) {
  if (!last) return "No messages yet";
  return last.text || "[attachment]";
}

/** "2 messages, 1 contact", or "Nothing found."; a `label:` search's conversations first. */
export function searchSummary(found) {
  const n = found.messages.length;
  const k = found.contacts.length;
  const c = found.conversations?.length ?? null;
  if (!n && !k && !c) return "Nothing found.";
  const counts = `${n} message${n === 1 ? "" : "s"}, ${k} contact${k === 1 ? "" : "s"}`;
  return c === null ? counts : `${c} conversation${c === 1 ? "" : "s"}, ${counts}`;
}
