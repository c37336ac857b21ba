// The Team tab's pending invitations, each with Resend and Cancel (team-state.js's
// invitationRow) drawn by `button(action)`; a line says when none is waiting.
import { invitationRow } from "../team-state.js";
import { SettingsTable } from "./SettingsTable.js";

/** `invitations` from GET /api/invitations. */
export function InvitationsTable({ invitations, button }) {
  if (!invitations.length) return <p class="set-hint">No invitation is waiting.</p>;
  return (
    <SettingsTable caption="Pending invitations" columns={["Email", "Role", "Expires", ""]}>
      {invitations.map((inv) => {
        const row = invitationRow(inv);
        return (
          <tr key={inv.id} data-invitation-id={inv.id}>
            <td>{inv.email}</td><td>{inv.role}</td><td>{row.expires}</td>
            <td class="set-row-actions">{row.actions.map(button)}</td>
          </tr>
        );
      })}
    </SettingsTable>
  );
}
