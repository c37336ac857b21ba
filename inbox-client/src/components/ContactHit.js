// A contact in search results or the Contacts list: name, channels, last message, when.
import { Ago } from "./Ago.js";
import { Hit } from "./Hit.js";
import { channelsText, contactLabel, lastText } from "../search.js";

export function ContactHit({ contact: c, open }) {
  return (
    <Hit conversationId={c.conversation_id} contactId={c.id} open={open}>
      <span class="name">{contactLabel(c)}</span>
      <span class="channels">{channelsText(c.channels)}</span>
      <span class="preview">{lastText(c.last_message)}</span>
      <Ago iso={c.last_message?.created_at || c.last_activity_at} />
    </Hit>
  );
}
