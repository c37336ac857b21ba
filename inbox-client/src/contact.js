// The contact details panel's remembered state, and the contact page: name, email, phone
// (edited with PATCH /api/contacts/{id}), what the AI learned of them, where they are, and
// their past conversations, each opening from there. Imported by inbox.js, which hands over
// its `api`, `open` (a conversation by id), `current()` (the open conversation), `label`
// (what to call a conversation's contact) and `edited(contact)` (after a save).
// Everything from the hub is set as text, never as markup.
import { contactLabel, timeNode } from "./search.js";
import { whereAndWhen } from "./visitor.js";

const OPEN_KEY = "leadop.contactDetailsOpen";
const STATUS_LABEL = { open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved" };
const FIELDS = [["name", "Name", "text", 200], ["email", "Email", "email", 320], ["phone", "Phone", "tel", 64]];

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

/** Whether the contact details start open: closed (the messages keep the room) unless the
 * agent opened them, in this browser. */
export function contextOpen() {
  return localStorage.getItem(OPEN_KEY) === "1";
}

/** Hide the contact page (a conversation is being opened). */
export function closeContact() {
  $("contact-page").hidden = true;
}

let ctx = null;

export function initContact(options) {
  ctx = options;
  $("context").addEventListener("toggle", () => localStorage.setItem(OPEN_KEY, $("context").open ? "1" : "0"));
  $("contact-open").addEventListener("click", () => {
    const id = ctx.current()?.contact?.id;
    if (id) showContact(id);
  });
}

async function showContact(id) {
  const found = await ctx.api(`/api/contacts/${encodeURIComponent(id)}`);
  if (!found) return;
  const page = $("contact-page");
  page.replaceChildren(...contactPage(found).filter(Boolean));
  $("conversation").hidden = true;
  $("placeholder").hidden = true;
  page.hidden = false;
  $("contact-title").focus();
}

function back() {
  closeContact();
  const open = !!ctx.current();
  $("conversation").hidden = !open;
  $("placeholder").hidden = open;
  if (open) $("view-title").focus();
}

function contactPage({ contact, conversations }) {
  const backButton = el("button", { type: "button", className: "back-to", textContent: "← Back to the conversation" });
  backButton.addEventListener("click", back);
  const title = el("h2", { id: "contact-title", tabIndex: -1, textContent: contactLabel(contact) });
  const where = el("p", { className: "place", textContent: whereAndWhen(contact.timezone) });
  return [backButton, title, where, editForm(contact, title), leadList(contact.lead), pastList(conversations)];
}

function editForm(contact, title) {
  const form = el("form", { className: "contact-form", ariaLabel: "Edit contact" });
  const inputs = {};
  for (const [key, text, type, max] of FIELDS) {
    const input = el("input", { id: `contact-${key}`, name: key, type, maxLength: max, value: contact[key] || "" });
    inputs[key] = input;
    form.append(el("label", { htmlFor: input.id, textContent: text }), input);
  }
  const status = el("p", { className: "contact-status", role: "status" });
  form.append(el("button", { type: "submit", textContent: "Save contact" }), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {};
    for (const [key] of FIELDS) {
      const value = inputs[key].value.trim() || null;
      if (value !== (contact[key] || null)) body[key] = value;
    }
    if (!Object.keys(body).length) { status.textContent = "Nothing changed."; return; }
    status.textContent = "Saving…";
    const saved = await ctx.api(`/api/contacts/${encodeURIComponent(contact.id)}`, { method: "PATCH", body: JSON.stringify(body) });
    if (!saved) { status.textContent = "Not saved."; return; }
    Object.assign(contact, saved.contact);
    for (const [key] of FIELDS) inputs[key].value = contact[key] || "";
    title.textContent = contactLabel(contact);
    status.textContent = "Saved.";
    ctx.edited({ id: contact.id, name: contact.name, email: contact.email, phone: contact.phone });
  });
  return form;
}

function leadList(lead) {
  const rows = [];
  for (const [key, text] of [["need", "Need"], ["budget", "Budget"], ["timeline", "Timeline"]]) {
    if (lead?.[key]) rows.push(el("dt", { textContent: text }), el("dd", { textContent: String(lead[key]) }));
  }
  if (!rows.length) return null;
  return el("section", { ariaLabel: "Lead details" }, el("h3", { textContent: "Lead details" }), el("dl", {}, ...rows));
}

function pastList(conversations) {
  const items = conversations.map((c) => {
    const last = c.last_message;
    const btn = el("button", { type: "button", className: "hit" },
      el("span", { className: "name", textContent: `${c.channel} · ${STATUS_LABEL[c.inbox_status] || c.inbox_status}` }),
      timeNode(last?.created_at || c.updated_at),
      el("span", { className: "preview", textContent: last ? last.text || "[attachment]" : "No messages yet" }));
    btn.dataset.conversationId = c.id;
    btn.addEventListener("click", () => ctx.open(c.id));
    return el("div", { role: "listitem", className: "item" }, btn);
  });
  return el("section", {},
    el("h3", { id: "contact-past-title", textContent: `Conversations (${conversations.length})` }),
    list(items));
}

function list(items) {
  const node = el("div", { role: "list", className: "list" }, ...items);
  node.setAttribute("aria-labelledby", "contact-past-title");
  return node;
}
