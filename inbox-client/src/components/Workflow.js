// The open conversation's workflow: its assignee, Resolve / Reopen / Mark pending, priority,
// Snooze, and the label picker (its chips are in the head: ViewHead). The
// selects act once a value is chosen (select.js), not while the agent arrows through them.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { useChosen } from "../use-chosen.js";
import { agentName } from "../inbox-state.js";
import { TeamSelect } from "./TeamSelect.js";
import { PrioritySelect } from "./PrioritySelect.js";
import { LabelPicker } from "./LabelPicker.js";

const PRESENCE_LABEL = { online: "online", away: "away", offline: "offline" };

function snoozeUntil(choice) {
  if (choice === "tomorrow") {
    const t = new Date();
    t.setDate(t.getDate() + 1);
    t.setHours(9, 0, 0, 0);
    return t;
  }
  return new Date(Date.now() + Number(choice) * 1000);
}

export function Workflow({ conv }) {
  const { store, actions } = useInbox();
  const agents = useStore(store, (s) => s.agents);
  const me = useStore(store, (s) => s.me);
  const team = { agents, me };
  const c = conv || {};
  const status = c.inbox_status || "open";
  const assignee = useChosen((value) => actions.assign(value));
  const snooze = useChosen((value, select) => {
    if (value) actions.setStatus("snoozed", snoozeUntil(value));
    select.value = "";
  });
  return (
    <div class="workflow">
      <label for="assignee">Assignee</label>
      <select id="assignee" ref={assignee} value={c.assignee_id || ""}>
        <option value="">Unassigned</option>
        {[...agents.values()].map((a) => (
          <option key={a.id} value={a.id}>{`${agentName(team, a.id)} (${PRESENCE_LABEL[a.status] || a.status})`}</option>
        ))}
        {c.assignee_id && !agents.has(c.assignee_id) ? <option value={c.assignee_id}>{agentName(team, c.assignee_id)}</option> : null}
      </select>
      <TeamSelect conv={c} />
      <button type="button" id="resolve" hidden={status === "resolved"} onClick={() => actions.setStatus("resolved")}>Resolve</button>
      <button type="button" id="reopen" hidden={status === "open"} onClick={() => actions.setStatus("open")}>Reopen</button>
      <button type="button" id="pending" hidden={status === "pending"} onClick={() => actions.setStatus("pending")}>Mark pending</button>
      <PrioritySelect conv={conv} />
      <label for="snooze" class="sr-only">Snooze</label>
      <select id="snooze" ref={snooze}>
        <option value="">Snooze…</option>
        <option value="3600">For 1 hour</option>
        <option value="14400">For 4 hours</option>
        <option value="tomorrow">Until tomorrow 9:00</option>
      </select>
      <LabelPicker held={conv} save={actions.setLabels} chips={false} />
    </div>
  );
}
