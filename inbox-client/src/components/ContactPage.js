// A contact's page: name, email and phone (saved with PATCH /api/contacts/{id}), what the AI
// learned of them, where they are, their labels, and their past conversations, each opening
// from there.
import { useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { FIELDS, contactChanges } from "../contact.js";
import { contactLabel } from "../search.js";
import { whereAndWhen } from "../visitor.js";
import { Ago } from "./Ago.js";
import { Hit } from "./Hit.js";
import { LabelPicker } from "./LabelPicker.js";

const STATUS_LABEL = { open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved" };
const LEAD = [["need", "Need"], ["budget", "Budget"], ["timeline", "Timeline"]];
const valuesOf = (contact) => Object.fromEntries(FIELDS.map(([key]) => [key, contact[key] || ""]));

function EditForm({ contact, saved }) {
  const { actions } = useInbox();
  const [values, setValues] = useState(() => valuesOf(contact));
  const [status, setStatus] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    const body = contactChanges(contact, values);
    if (!Object.keys(body).length) { setStatus("Nothing changed."); return; }
    setStatus("Saving…");
    const answer = await actions.api(`/api/contacts/${encodeURIComponent(contact.id)}`, { method: "PATCH", body });
    if (!answer) { setStatus("Not saved."); return; }
    const next = { ...contact, ...answer.contact };
    setValues(valuesOf(next));
    setStatus("Saved.");
    saved(next);
  };
  return (
    <form class="contact-form" aria-label="Edit contact" onSubmit={submit}>
      {FIELDS.map(([key, text, type, max]) => [
        <label for={`contact-${key}`}>{text}</label>,
        <input id={`contact-${key}`} name={key} type={type} maxLength={max} value={values[key]}
          onInput={(e) => setValues({ ...values, [key]: e.currentTarget.value })} />,
      ])}
      <button type="submit">Save contact</button>
      <p class="contact-status" role="status">{status}</p>
    </form>
  );
}

function Lead({ lead }) {
  const rows = LEAD.filter(([key]) => lead?.[key]);
  if (!rows.length) return null;
  return (
    <section aria-label="Lead details">
      <h3>Lead details</h3>
      <dl>{rows.map(([key, text]) => [<dt>{text}</dt>, <dd>{String(lead[key])}</dd>])}</dl>
    </section>
  );
}

function Past({ conversations, open }) {
  return (
    <section>
      <h3 id="contact-past-title">{`Conversations (${conversations.length})`}</h3>
      <div role="list" class="list" aria-labelledby="contact-past-title">
        {conversations.map((c) => (
          <Hit key={c.id} conversationId={c.id} open={open}>
            <span class="name">{`${c.channel} · ${STATUS_LABEL[c.inbox_status] || c.inbox_status}`}</span>
            <Ago iso={c.last_message?.created_at || c.updated_at} />
            <span class="preview">{c.last_message ? c.last_message.text || "[attachment]" : "No messages yet"}</span>
          </Hit>
        ))}
      </div>
    </section>
  );
}

export function ContactPage({ found }) {
  const { actions } = useInbox();
  const [contact, setContact] = useState(found.contact);
  const saved = (next) => {
    setContact(next);
    actions.contactEdited({ id: next.id, name: next.name, email: next.email, phone: next.phone });
  };
  return (
    <section id="contact-page" class="contact-page" aria-labelledby="contact-title">
      <button type="button" class="back-to" onClick={actions.closeContact}>← Back to the conversation</button>
      <h2 id="contact-title" tabIndex={-1}>{contactLabel(contact)}</h2>
      <p class="place">{whereAndWhen(contact.timezone)}</p>
      <EditForm contact={contact} saved={saved} />
      <LabelPicker held={contact} id="contact-labels" what="this contact"
        save={async (ids) => {
          const done = await actions.api(`/api/contacts/${encodeURIComponent(contact.id)}/labels`, { method: "PUT", body: { label_ids: ids } });
          if (done) setContact({ ...contact, labels: done.labels });
        }} />
      <Lead lead={contact.lead} />
      <Past conversations={found.conversations} open={actions.openFound} />
    </section>
  );
}
