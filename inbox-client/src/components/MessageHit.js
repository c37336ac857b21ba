// A message found by search: its contact, channel, the snippet with its matches, when.
import { Ago } from "./Ago.js";
import { Hit } from "./Hit.js";
import { Marked } from "./Marked.js";
import { CHANNEL_LABEL, contactLabel } from "../search.js";

export function MessageHit({ hit, open }) {
  return (
    <Hit conversationId={hit.conversation_id} open={open}>
      <span class="name">{contactLabel(hit.contact)}</span>
      <span class={`channel ch-${hit.channel}`}>{CHANNEL_LABEL[hit.channel] || hit.channel}</span>
      <span class="preview"><Marked snippet={hit.snippet} /></span>
      <Ago iso={hit.created_at} />
    </Hit>
  );
}
