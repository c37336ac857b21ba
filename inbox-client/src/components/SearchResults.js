// The answer to a search: how many found, the conversations a `label:` search found, the
// matching messages, then the matching contacts.
import { ContactHit } from "./ContactHit.js";
import { MessageHit } from "./MessageHit.js";
import { LabelledHits } from "./LabelledHits.js";

export function SearchResults({ found, status, hidden, open }) {
  return (
    <section id="search-results" class="results" aria-label="Search results" hidden={hidden}>
      <p id="search-status" role="status">{status}</p>
      <LabelledHits conversations={found?.conversations} open={open} />
      <h3 id="search-messages-title" hidden={found?.messages.length === 0}>Messages</h3>
      <div id="search-messages" class="list" role="list" aria-label="Matching messages">
        {found?.messages.map((hit) => <MessageHit hit={hit} open={open} />)}
      </div>
      <h3 id="search-contacts-title" hidden={found?.contacts.length === 0}>Contacts</h3>
      <div id="search-contacts" class="list" role="list" aria-label="Matching contacts">
        {found?.contacts.map((c) => <ContactHit key={c.id} contact={c} open={open} />)}
      </div>
    </section>
  );
}
