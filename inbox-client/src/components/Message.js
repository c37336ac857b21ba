// One message in the log: who (an agent with their avatar), the text, its attachments, the
// time, and for SMS and WhatsApp replies the delivery status (and why it failed).
import { authorOf, senderLabel } from "../inbox-state.js";
import { memo } from "../memo.js";
import { clockTime } from "../search.js";
import { Attachment } from "./Attachment.js";
import { Avatar } from "./Avatar.js";

function statusText(m) {
  const failed = m.status === "failed" ? `: ${m.error?.message || m.error?.code || "not sent"}` : "";
  return ` · ${m.status}${failed}`;
}

function Item({ m, agents, me }) {
  const author = m.sender === "agent" ? authorOf({ agents, me }, m) : null;
  const who = <span class="who">{author ? author.name : senderLabel(m.sender)}</span>;
  return (
    <div class={`msg ${m.direction || ""} from-${m.sender}`} data-message-id={m.id} data-seq={String(m.seq)}
      data-sender={m.sender} data-status={m.status} data-created-at={m.created_at || ""} data-agent-id={m.agent_id || ""}>
      {author ? <span class="author"><Avatar url={author.avatar} name={author.name} />{who}</span> : who}
      {m.text ? <p class="text">{m.text}</p> : null}
      {(m.attachments || []).map((a, i) => <Attachment key={a.id || i} a={a} />)}
      <span class="meta">
        {m.created_at ? <time dateTime={m.created_at}>{clockTime(m.created_at)}</time> : null}
        {m.direction === "outbound" && m.channel !== "widget"
          ? <span class={`status st-${m.status}`}>{statusText(m)}</span> : null}
      </span>
    </div>
  );
}

/** Redrawn only when its message or the team changed. */
export const Message = memo(Item);
