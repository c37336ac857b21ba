// One conversation in the list: contact, channel, "Needs human", the last message, who has it,
// where the visitor is, when, its unread count, its priority and labels (issue 21). Clicking opens it.
import { useInbox } from "../context.js";
import { agentName, preview } from "../inbox-state.js";
import { contactLabel } from "../search.js";
import { whereAndWhen } from "../visitor.js";
import { Ago } from "./Ago.js";
import { LabelChips } from "./LabelChips.js";
import { PriorityBadge } from "./PriorityBadge.js";
import { memo } from "../memo.js";
import { teamName } from "../teams-state.js";

function Item({ conv: c, current, agents, me, teams = [] }) {
  const { actions } = useInbox();
  const team = { agents, me };
  const unread = c.unread || 0;
  const place = whereAndWhen(c.visitor?.timezone);
  const teamLabel = teamName(teams, c.team_id);
  return (
    <button type="button" class="conv" data-conversation-id={c.id} data-channel={c.channel}
      data-needs-human={String(!!c.needs_human)} data-status={c.inbox_status || "open"} data-assignee={c.assignee_id || ""} data-team={c.team_id || ""}
      aria-current={current ? "true" : undefined} onClick={() => actions.open(c.id)}>
      <span class="name">{contactLabel(c.contact)}</span>
      <span class={`channel ch-${c.channel}`}>{c.channel}</span>
      {c.needs_human ? <span class="badge">Needs human</span> : null}
      {teamLabel ? <span class="conv-team">{teamLabel}</span> : null}
      <PriorityBadge priority={c.priority} />
      <span class="preview">{preview(c.last_message)}</span>
      <LabelChips labels={c.labels} />
      <span class="owner">
        {c.assignee_id ? agentName(team, c.assignee_id) : "Unassigned"}
        {place ? <span class="place">{` · ${place}`}</span> : null}
      </span>
      <Ago iso={c.last_message?.created_at || c.updated_at} />
      <span class="unread" data-unread={String(unread)} hidden={unread === 0}>{String(unread)}</span>
      <span class="sr-only">{unread ? " unread" : ""}</span>
    </button>
  );
}

/** Redrawn only when its conversation, being current, or the team changed. */
export const ConversationItem = memo(Item);
