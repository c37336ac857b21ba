// Settings → Team (owners): teammates with their role and state, invitations by email
// (pending ones resent or cancelled), role changes, deactivation and reactivation, and the
// transfer of ownership. docs/protocol.md, "Teammates"; the rows' words and actions are
// team-state.js's. Every change re-reads the panel, so the tables show the hub's truth.
import { explain, request } from "../http.js";
import { agentRow, invitationRow, invited, linkNote } from "../team-state.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { Failure } from "./Failure.js";
import { InviteForm } from "./InviteForm.js";
import { SettingsTable } from "./SettingsTable.js";

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
  const pending = invitations.body.invitations;
  const note = got.link && linkNote(got.link);
  return (
    <>
      <h3 tabIndex={-1}>Team</h3>
      <p class="set-status" role="status">{got.note}</p>
      <SettingsTable caption="Teammates" columns={["Name", "Email", "Role", "Status", ""]}>
        {agents.body.agents.map((agent) => {
          const row = agentRow(agent, me, online);
          return (
            <tr key={agent.id} data-agent-id={agent.id}>
              <td>{row.name}</td><td>{row.email}</td><td>{row.role}</td><td>{row.status}</td>
              <td class="set-row-actions">{row.actions.map(button)}</td>
            </tr>
          );
        })}
      </SettingsTable>
      <h4>Invite a teammate</h4>
      <InviteForm key={got.n} sent={sent} />
      <div class="set-once" hidden={!note} aria-live="polite">
        {note && <><p>{note}</p><code class="set-secret">{got.link.invite_url}</code></>}
      </div>
      <h4>Pending invitations</h4>
      {!pending.length ? <p class="set-hint">No invitation is waiting.</p> : (
        <SettingsTable caption="Pending invitations" columns={["Email", "Role", "Expires", ""]}>
          {pending.map((inv) => {
            const row = invitationRow(inv);
            return (
              <tr key={inv.id} data-invitation-id={inv.id}>
                <td>{inv.email}</td><td>{inv.role}</td><td>{row.expires}</td>
                <td class="set-row-actions">{row.actions.map(button)}</td>
              </tr>
            );
          })}
        </SettingsTable>
      )}
    </>
  );
}
