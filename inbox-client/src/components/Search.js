// The search box and the Conversations/Contacts switch. The box asks GET /api/search 250 ms
// after the last keystroke (Enter at once; Escape clears); only the answer to the latest
// question is shown (SearchResults). While it holds a question, the list and its filters hide.
import { useEffect, useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { searchSummary } from "../search.js";
import { SearchResults } from "./SearchResults.js";
import { ContactsPane } from "./ContactsPane.js";

const DEBOUNCE_MS = 250;
const PANES = [["conversations", "Conversations"], ["contacts", "Contacts"]];

export function Search() {
  const { store, actions } = useInbox();
  const pane = useStore(store, (s) => s.pane);
  const [query, setQuery] = useState("");
  const [answer, setAnswer] = useState({ found: null, status: "" });
  const [contactsAsked, setContactsAsked] = useState(0);
  const timer = useRef(null);
  const asked = useRef(0); // only the answer to the latest question is shown
  const searching = query.trim() !== "";
  useEffect(() => store.set({ searching }), [searching]);

  const run = async (q) => {
    if (!q.trim()) return;
    const mine = ++asked.current;
    setAnswer((held) => ({ ...held, status: "Searching…" }));
    const found = await actions.api(`/api/search?q=${encodeURIComponent(q.trim())}&limit=50`);
    if (mine === asked.current && found) setAnswer({ found, status: searchSummary(found) });
  };
  const clear = () => { clearTimeout(timer.current); asked.current++; setQuery(""); };
  const onInput = (e) => {
    const q = e.currentTarget.value;
    setQuery(q);
    clearTimeout(timer.current);
    if (!q.trim()) asked.current++;
    else timer.current = setTimeout(() => run(q), DEBOUNCE_MS);
  };
  const onKeyDown = (e) => {
    if (e.key === "Escape" && query) { e.preventDefault(); clear(); }
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer.current); run(e.currentTarget.value); }
  };
  const choosePane = (name) => {
    clear();
    store.set({ pane: name });
    if (name === "contacts") setContactsAsked((n) => n + 1);
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
      <SearchResults found={answer.found} status={answer.status} hidden={!searching} open={actions.openFound} />
      <ContactsPane hidden={searching || pane !== "contacts"} asked={contactsAsked} />
    </>
  );
}
