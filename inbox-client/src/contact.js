// The contact details panel's remembered state (closed, so the messages keep the room, unless
// the agent opened them, in this browser) and the contact page's fields. The page itself is
// components/ContactPage.js.

const OPEN_KEY = "leadop.contactDetailsOpen";

/** The contact page's editable fields: [key, label, input type, max length]. */
export const FIELDS = [["name", "Name", "text", 200], ["email", "Email", "email", 320], ["phone", "Phone", "tel", 64]];

/** Whether the contact details start open. */
export function contextOpen() {
  return localStorage.getItem(OPEN_KEY) === "1";
}

/** Remember whether the agent left the contact details open. */
export function rememberContext(open) {
  localStorage.setItem(OPEN_KEY, open ? "1" : "0");
}

/** The PATCH body for the edited `values` of `contact`: only what changed ("" is null). */
export function contactChanges(contact, values) {
  const body = {};
  for (const [key] of FIELDS) {
    const value = (values[key] || "").trim() || null;
    if (value !== (contact[key] || null)) body[key] = value;
  }
  return body;
}
