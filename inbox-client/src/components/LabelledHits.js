// The conversations a `label:` search found (GET /api/search answers them only for one), each
// with its contact, status, priority and chips; nothing for any other search.
import { contactLabel } from "../search.js";
import { Hit } from "./Hit.js";
import { LabelChips } from "./LabelChips.js";
import { PriorityBadge } from "./PriorityBadge.js";

export function LabelledHits({ conversations, open }) {
  if (!conversations) return null;
  return (
    <>
      <h3 id="search-conversations-title" hidden={!conversations.length}>Conversations</h3>
      <div id="search-conversations" class="list" role="list" aria-label="Labelled conversations">
        {conversations.map((c) => (
          <Hit key={c.id} conversationId={c.id} open={open}>
            <span class="name">{`${contactLabel(c.contact)} · ${c.channel}`}</span>
            <PriorityBadge priority={c.priority} />
            <LabelChips labels={c.labels} />
          </Hit>
        ))}
      </div>
    </>
  );
}
