// "Contact details" of the open conversation: channel, contact, rating, lead, visitor. Closed
// unless the agent left them open in this browser (contact.js remembers).
import { useMemo } from "preact/hooks";
import { contextOpen, rememberContext } from "../contact.js";

function rows(c) {
  const out = [];
  const add = (k, v) => { if (v) out.push([k, v]); };
  add("Channel", c.channel);
  add("Name", c.contact?.name);
  add("Phone", c.contact?.phone);
  add("Email", c.contact?.email);
  if (c.rating) add("Rating", `${c.rating.score}/5${c.rating.comment ? ` — “${c.rating.comment}”` : ""}`);
  const lead = c.contact?.lead;
  if (lead) { add("Need", lead.need); add("Budget", lead.budget); add("Timeline", lead.timeline); }
  if (c.visitor) {
    add("Page", c.visitor.page_url);
    add("Browser", c.visitor.browser);
    add("Device", c.visitor.device);
    add("IP address", c.visitor.ip_address);
  }
  return out;
}

export function ContextDetails({ conv }) {
  const open = useMemo(() => contextOpen(), [conv?.id]); // as remembered, for each conversation opened
  const list = conv ? rows(conv) : [];
  return (
    <details id="context" class="context" open={open} hidden={list.length === 0}>
      {/* Remembered on the click itself: `toggle` comes a task later, after a quick reload. */}
      <summary onClick={(e) => rememberContext(!e.currentTarget.parentNode.open)}>Contact details</summary>
      <dl id="context-list">
        {list.map(([k, v]) => [<dt>{k}</dt>, <dd>{String(v)}</dd>])}
      </dl>
    </details>
  );
}
