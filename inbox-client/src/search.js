// The inbox's search box, its Contacts view, contact names and relative times.
// Imported by inbox.js, which hands over its `api` and `open` (a conversation by id).
// Everything from the hub is set with textContent, never as markup: a snippet's matches come
// as offsets and become <mark> elements here.

import { visitorName } from "./visitor.js";

const DEBOUNCE_MS = 250;
const CLOCK_MS = 30_000;
const CHANNEL_LABEL = { widget: "Chat", sms: "SMS", whatsapp: "WhatsApp" };

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

/** What to call a contact: the name, else the phone, else the email, else a friendly name
 * from its id ("Amber Otter", inbox-visitor.js), the same for everyone. */
export function contactLabel(contact) {
  return contact?.name || contact?.phone || contact?.email || visitorName(contact?.id);
}

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
  return new Date(iso).toLocaleDateString([], { dateStyle: "medium" });
}

/** A <time> showing the relative time, kept fresh by the clock; the absolute time in its
 * `datetime` and `title`. */
export function timeNode(iso) {
  if (!iso) return null;
  const node = el("time", { className: "ago", dateTime: iso, textContent: relativeTime(iso) });
  node.title = new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  return node;
}

function tick() {
  for (const node of document.querySelectorAll("time.ago")) {
    const text = relativeTime(node.dateTime);
    if (node.textContent !== text) node.textContent = text;
  }
}

/** The snippet's text with each [start, end) of `marks` in a <mark>. */
export function markedText(snippet) {
  const out = el("span", { className: "snippet" });
  const chars = Array.from(snippet.text); // the offsets count code points, not UTF-16 units
  const part = (a, b) => chars.slice(a, b).join("");
  let at = 0;
  for (const [start, end] of snippet.marks || []) {
    if (start < at) continue;
    out.append(part(at, start), el("mark", { textContent: part(start, end) }));
    at = end;
  }
  out.append(part(at));
  return out;
}

function channels(list) {
  return (list || []).map((ch) => CHANNEL_LABEL[ch] || ch).join(", ");
}

function resultButton(open, conversationId, ...parts) {
  const btn = el("button", { type: "button", className: "hit", disabled: !conversationId }, ...parts);
  if (conversationId) {
    btn.dataset.conversationId = conversationId;
    btn.addEventListener("click", () => open(conversationId));
  }
  return el("div", { role: "listitem", className: "item" }, btn);
}

function messageHit(open, hit) {
  return resultButton(open, hit.conversation_id,
    el("span", { className: "name", textContent: contactLabel(hit.contact) }),
    el("span", { className: `channel ch-${hit.channel}`, textContent: CHANNEL_LABEL[hit.channel] || hit.channel }),
    el("span", { className: "preview" }, markedText(hit.snippet)),
    timeNode(hit.created_at));
}

// A contact's last message; an attachment without text is stored with an empty text.
function lastText(last) {
  if (!last) return "No messages yet";
  return last.text || "[attachment]";
}

function contactItem(open, c) {
  const item = resultButton(open, c.conversation_id,
    el("span", { className: "name", textContent: contactLabel(c) }),
    el("span", { className: "channels", textContent: channels(c.channels) }),
    el("span", { className: "preview", textContent: lastText(c.last_message) }),
    timeNode(c.last_message?.created_at || c.last_activity_at));
  item.firstChild.dataset.contactId = c.id;
  return item;
}

/** Wire the search box and the Contacts view. `api(path)` answers the JSON or null;
 * `open(id)` opens a conversation. */
export function initSearch({ api, open }) {
  const box = $("search-q");
  let timer = null;
  let asked = 0; // only the answer to the latest question is shown
  let pane = "conversations";
  let contactsNext = null;

  const showPane = () => {
    const searching = box.value.trim() !== "";
    $("search-results").hidden = !searching;
    $("contacts").hidden = searching || pane !== "contacts";
    for (const id of ["list", "filters"]) $(id).hidden = searching || pane !== "conversations";
    $("empty").classList.toggle("off", searching || pane !== "conversations");
  };

  const run = async () => {
    const q = box.value.trim();
    showPane();
    if (!q) return;
    const mine = ++asked;
    $("search-status").textContent = "Searching…";
    const found = await api(`/api/search?q=${encodeURIComponent(q)}&limit=50`);
    if (mine !== asked || !found) return;
    $("search-messages").replaceChildren(...found.messages.map((h) => messageHit(open, h)));
    $("search-contacts").replaceChildren(...found.contacts.map((c) => contactItem(open, c)));
    $("search-messages-title").hidden = found.messages.length === 0;
    $("search-contacts-title").hidden = found.contacts.length === 0;
    const n = found.messages.length;
    $("search-status").textContent = n || found.contacts.length
      ? `${n} message${n === 1 ? "" : "s"}, ${found.contacts.length} contact${found.contacts.length === 1 ? "" : "s"}`
      : "Nothing found.";
  };

  const loadContacts = async (more = false) => {
    const before = more && contactsNext ? `&before=${encodeURIComponent(contactsNext)}` : "";
    const page = await api(`/api/contacts?limit=50${before}`);
    if (!page) return;
    const items = page.contacts.map((c) => contactItem(open, c));
    if (more) $("contacts-list").append(...items); else $("contacts-list").replaceChildren(...items);
    contactsNext = page.next_before;
    $("contacts-more").hidden = !contactsNext;
    $("contacts-empty").hidden = $("contacts-list").children.length > 0;
  };

  box.addEventListener("input", () => {
    clearTimeout(timer);
    if (!box.value.trim()) { asked++; showPane(); return; }
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && box.value) { e.preventDefault(); box.value = ""; asked++; showPane(); }
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); run(); }
  });
  for (const btn of $("panes").querySelectorAll("[data-pane]")) {
    btn.addEventListener("click", () => {
      pane = btn.dataset.pane;
      for (const b of $("panes").querySelectorAll("[data-pane]")) {
        b.setAttribute("aria-pressed", String(b === btn));
      }
      box.value = "";
      asked++;
      showPane();
      if (pane === "contacts") loadContacts();
    });
  }
  $("contacts-more").addEventListener("click", () => loadContacts(true));
  setInterval(tick, CLOCK_MS);
}
