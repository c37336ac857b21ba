// The Contacts pane: GET /api/contacts, 50 at a time, read again each time it is chosen
// (`asked` counts the choices), "More contacts" for the next page.
import { useEffect, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { ContactHit } from "./ContactHit.js";

export function ContactsPane({ hidden, asked }) {
  const { actions } = useInbox();
  const [contacts, setContacts] = useState({ items: [], next: null, loaded: false });
  const load = async (more) => {
    const before = more && contacts.next ? `&before=${encodeURIComponent(contacts.next)}` : "";
    const page = await actions.api(`/api/contacts?limit=50${before}`);
    if (!page) return;
    setContacts((held) => ({ items: more ? [...held.items, ...page.contacts] : page.contacts, next: page.next_before, loaded: true }));
  };
  useEffect(() => { if (asked) load(false); }, [asked]);
  return (
    <section id="contacts" class="results" aria-label="Contacts" hidden={hidden}>
      <div id="contacts-list" class="list" role="list" aria-label="Contact list">
        {contacts.items.map((c) => <ContactHit key={c.id} contact={c} open={actions.openFound} />)}
      </div>
      <p id="contacts-empty" class="empty" hidden={!contacts.loaded || contacts.items.length > 0}>No contacts yet.</p>
      <button type="button" id="contacts-more" hidden={!contacts.next} onClick={() => load(true)}>More contacts</button>
    </section>
  );
}
