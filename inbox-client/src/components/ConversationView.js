// The right-hand side: "Select a conversation.", the open conversation (head, contact details,
// messages, typing, reply box), or a contact's page.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { ViewHead } from "./ViewHead.js";
import { ContextDetails } from "./ContextDetails.js";
import { Log } from "./Log.js";
import { Typing } from "./Typing.js";
import { Composer } from "./Composer.js";
import { ContactPage } from "./ContactPage.js";

export function ConversationView() {
  const { store } = useInbox();
  const conv = useStore(store, (s) => s.convs.get(s.current));
  const current = useStore(store, (s) => s.current);
  const page = useStore(store, (s) => s.contactPage);
  return (
    <section id="view" class="view" aria-labelledby="view-title">
      <div id="placeholder" class="placeholder" hidden={!!current || !!page}><p>Select a conversation.</p></div>
      <div id="conversation" class="conversation" hidden={!current || !!page}>
        <ViewHead conv={conv} />
        <ContextDetails conv={conv} />
        <Log />
        <Typing />
        <Composer conv={conv} />
      </div>
      {page ? <ContactPage key={page.contact.id} found={page} /> : <section id="contact-page" class="contact-page" hidden />}
    </section>
  );
}
