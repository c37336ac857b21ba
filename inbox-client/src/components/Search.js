// The search box, the Conversations/Contacts switch, the search results and the Contacts list.
// The box asks GET /api/search 250 ms after the last keystroke (Enter at once; Escape clears);
// only the answer to the latest question is shown. Contacts come 50 at a time.
import { useEffect, useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { searchSummary } from "../search.js";
import { ContactHit } from "./ContactHit.js";
import { MessageHit } from "./MessageHit.js";

const DEBOUNCE_MS = 250;
const PANES = [["conversations", "Conversations"], ["contacts", "Contacts"]];

export function Search() {
  const { store, actions } = useInbox();
  const pane = useStore(store, (s) => s.pane);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState(null);
  const [status, setStatus] = useState("");
  const [contacts, setContacts] = useState({ items: [], next: null, loaded: false });
  const timer = useRef(null);
  const asked = useRef(0); // only the answer to the latest question is shown
  const searching = query.trim() !== "";
  useEffect(() => store.set({ searching }), [searching]);

  const run = async (q) => {
    if (!q.trim()) return;
    const mine = ++asked.current;
    setStatus("Searching…");
    const answer = await actions.api(`/api/search?q=${encodeURIComponent(q.trim())}&limit=50`);
    if (mine !== asked.current || !answer) return;
    setFound(answer);
    setStatus(searchSummary(answer));
  };
  const clear = () => { clearTimeout(timer.current); asked.current++; setQuery(""); };
  const onInput = (e) => {
    const q = e.currentTarget.value;
    setQuery(q);
    clearTimeout(timer.current);
    if (!q.trim()) { asked.current++; return; }
    timer.current = setTimeout(() => run(q), DEBOUNCE_MS);
  };
  const onKeyDown = (e) => {
    if (e.key === "Escape" && query) { e.preventDefault(); clear(); }
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer.current); run(e.currentTarget.value); }
  };
  const loadContacts = async (more) => {
    const before = more && contacts.next ? `&before=${encodeURIComponent(contacts.next)}` : "";
    const page = await actions.api(`/api/contacts?limit=50${before}`);
    if (!page) return;
    setContacts((held) => ({ items: more ? [...held.items, ...page.contacts] : page.contacts, next: page.next_before, loaded: true }));
  };
  const choosePane = (name) => {
    clear();
    store.set({ pane: name });
    if (name === "contacts") loadContacts(false);
  };

  return (
    <>
      <div class="search">
        <label for="search-q">Search messages and contacts</label>
        <input id="search-q" type="search" maxLength={200} autocomplete="off" placeholder="Search… (Esc clears)"
          value={query} onInput={onInput} onKeyDown={onKeyDown} />
      </div>
      <div id="panes" class="segmented" role="group" aria-label="Show">
        {PANES.map(([name, label]) => (
          <button type="button" data-pane={name} aria-pressed={String(pane === name)} onClick={() => choosePane(name)}>{label}</button>
        ))}
      </div>
      <section id="search-results" class="results" aria-label="Search results" hidden={!searching}>
        <p id="search-status" role="status">{status}</p>
        <h3 id="search-messages-title" hidden={found?.messages.length === 0}>Messages</h3>
        <div id="search-messages" class="list" role="list" aria-label="Matching messages">
          {found?.messages.map((hit) => <MessageHit hit={hit} open={actions.openFound} />)}
        </div>
        <h3 id="search-contacts-title" hidden={found?.contacts.length === 0}>Contacts</h3>
        <div id="search-contacts" class="list" role="list" aria-label="Matching contacts">
          {found?.contacts.map((c) => <ContactHit key={c.id} contact={c} open={actions.openFound} />)}
        </div>
      </section>
      <section id="contacts" class="results" aria-label="Contacts" hidden={searching || pane !== "contacts"}>
        <div id="contacts-list" class="list" role="list" aria-label="Contact list">
          {contacts.items.map((c) => <ContactHit key={c.id} contact={c} open={actions.openFound} />)}
        </div>
        <p id="contacts-empty" class="empty" hidden={!contacts.loaded || contacts.items.length > 0}>No contacts yet.</p>
        <button type="button" id="contacts-more" hidden={!contacts.next} onClick={() => loadContacts(true)}>More contacts</button>
      </section>
    </>
  );
}
