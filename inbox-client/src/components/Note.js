// A private note in the log: only the team sees it.
import { agentName } from "../inbox-state.js";
import { memo } from "../memo.js";
import { clockTime } from "../search.js";

function Item({ n, agents, me }) {
  const team = { agents, me };
  return (
    <div class="msg note" data-note-id={n.id} data-private="true" data-created-at={n.created_at}>
      <span class="who">{`Private note · ${agentName(team, n.agent_id) || "Agent"}`}</span>
      <p class="text">{n.text}</p>
      <span class="meta">
        {n.created_at ? <time dateTime={n.created_at}>{`${clockTime(n.created_at)} · `}</time> : null}
        Only your team sees this
      </span>
    </div>
  );
}

/** Redrawn only when its note or the team changed. */
export const Note = memo(Item);
