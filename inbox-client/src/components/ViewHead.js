// The open conversation's head: who and where, the contact page link, who handles it (AI, an
// agent, or waiting), "Needs human", its status, Take over / Release, the workflow, and its
// labels (issue 21).
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { agentName } from "../inbox-state.js";
import { contactLabel, shortTime } from "../search.js";
import { whereAndWhen } from "../visitor.js";
import { Workflow } from "./Workflow.js";
import { LabelChips } from "./LabelChips.js";

const STATUS_LABEL = { open: "Open", pending: "Pending", snoozed: "Snoozed", resolved: "Resolved" };

function statusText(c, status) {
  if (status === "snoozed" && c.snoozed_until) {
    return `Snoozed until ${shortTime(c.snoozed_until)}`;
  }
  return STATUS_LABEL[status] || status;
}

export function ViewHead({ conv }) {
  const { store, actions } = useInbox();
  const agents = useStore(store, (s) => s.agents);
  const me = useStore(store, (s) => s.me);
  const c = conv || {};
  const handoff = c.handoff || c.handled_by;
  const handler = !conv ? "" : handoff === "human" ? agentName({ agents, me }, c.assignee_id) || "Human"
    : handoff === "waiting" ? "Waiting for an agent" : "AI";
  // Only the actions that would change who answers (the hub says which).
  const can = c.handoff_actions || (handoff === "human" ? ["release"] : ["takeover"]);
  const status = c.inbox_status || "open";
  return (
    <div class="view-head">
      <button type="button" id="back" class="back" onClick={actions.back}>← Conversations</button>
      <h2 id="view-title" tabIndex={-1}>{conv ? `${contactLabel(c.contact)} · ${c.channel}` : ""}</h2>
      <span id="view-place" class="place">{whereAndWhen(c.visitor?.timezone)}</span>
      <button type="button" id="contact-open" class="link" onClick={() => c.contact?.id && actions.showContact(c.contact.id)}>Contact page</button>
      <p class="handled">Handled by: <strong id="handled-by" data-handoff={handoff}>{handler}</strong>
        {" "}<span id="view-needs-human" class="badge" hidden={!c.needs_human}>Needs human</span>
        {" "}<span id="view-status" class="status-badge" data-status={status}>{statusText(c, status)}</span>
        {" "}<LabelChips labels={c.labels} id="labels-chips" /></p>
      <div class="actions">
        <button type="button" id="takeover" disabled={!can.includes("takeover")} onClick={actions.takeover}>Take over</button>
        <button type="button" id="release" disabled={!can.includes("release")} onClick={actions.release}>Release</button>
      </div>
      <Workflow conv={conv} />
    </div>
  );
}
