// Settings → Team (owners): teammates with their role and state, invitations by email
// (pending ones resent or cancelled), role changes, deactivation and reactivation, and the
// transfer of ownership. docs/protocol.md, "Teammates"; the rows' words and actions are
// team-state.js's. Every change re-reads the panel, so the tables show the hub's truth.
import { explain, request } from "../http.js";
import { invited, linkNote } from "../team-state.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { Failure } from "./Failure.js";
import { InviteForm } from "./InviteForm.js";
import { InvitationsTable } from "./InvitationsTable.js";
import { TeamTable } from "./TeamTable.js";

const read = () => Promise.all([request("GET", "/api/agents"), request("GET", "/api/invitations"),
  request("GET", "/api/presence")]);

/** `me` is the owner's own agent id (no actions on oneself). */
export function TeamTab({ load, settled, me }) {
  const [got, reload, say] = useLoaded(read, load, settled);
  if (!got) return null;
  const [agents, invitations, presence] = got.data;
  if (!agents.ok || !invitations.ok) return <Failure result={agents.ok ? invitations : agents} />;
  const online = new Map((presence.body?.agents || []).map((a) => [a.id, a.status]));
  const button = (action) => (
    <ActionButton key={action.text} text={action.text} label={action.label} ask={action.ask} danger={action.danger}
      run={() => request(action.method, action.path, action.body)}
      then={(r) => {
        if (!r.ok) return say(explain(r));
        if (action.reload) return location.reload(); // no longer an owner: the inbox re-reads the role
        return reload({ note: action.done, link: action.link ? r.body : null });
      }} />
  );
  const mailed = invitations.body.mail_configured;
  const sent = (body, address) => reload({ note: invited(address, mailed), link: body });
  const note = got.link && linkNote(got.link);
  return (
    <>
      <h3 tabIndex={-1}>Team</h3>
      <p class="set-status" role="status">{got.note}</p>
      <TeamTable agents={agents.body.agents} online={online} me={me} button={button} />
      <h4>Invite a teammate</h4>
      <InviteForm key={got.n} sent={sent} />
      <div class="set-once" hidden={!note} aria-live="polite">
        {note && <><p>{note}</p><code class="set-secret">{got.link.invite_url}</code></>}
      </div>
      <h4>Pending invitations</h4>
      <InvitationsTable invitations={invitations.body.invitations} button={button} />
    </>
  );
}
