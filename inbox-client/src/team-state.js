// Settings → Team as plain state (no DOM): a teammate's name, status and the actions an owner
// may take on them, and a pending invitation's. docs/protocol.md, "Teammates". TeamTab draws
// them; every action is {text, label, method, path, body?, ask?, done, danger?, reload?}:
// `done` is what the panel says after it, `reload` that the page must reload (the owner is an
// owner no more). Unit-tested in test/team-state.test.js.

const enc = encodeURIComponent;

/** A teammate's row: {who, name, email, role, status, actions}. `me` is the owner's own id. */
export function agentRow(agent, me, online) {
  const who = agent.name || agent.email || "this agent";
  const mine = agent.id === me;
  const path = `/api/agents/${enc(agent.id)}`;
  const actions = [];
  if (!mine && !agent.revoked) {
    const other = agent.role === "owner" ? "agent" : "owner";
    actions.push({ text: other === "owner" ? "Make owner" : "Make agent", label: `Make ${who} an ${other}`,
      method: "PUT", path: `${path}/role`, body: { role: other }, done: `${who} is now an ${other}.` });
    actions.push({ text: "Transfer ownership", label: `Transfer ownership to ${who}`, method: "POST",
      path: `${path}/transfer-ownership`, reload: true, ask: `Make ${who} the owner? You become an agent.` });
    actions.push({ text: "Deactivate", label: `Deactivate ${who}`, method: "POST", path: `${path}/deactivate`,
      done: `Deactivated ${who}.`, ask: `Deactivate ${who}? They are signed out everywhere at once.`, danger: true });
  }
  if (agent.revoked) {
    actions.push({ text: "Reactivate", label: `Reactivate ${who}`, method: "POST", path: `${path}/reactivate`,
      done: `${who} is back.` });
  }
  return {
    who, name: `${agent.name || "—"}${mine ? " (you)" : ""}`, email: agent.email || "—", role: agent.role,
    status: agent.revoked ? "deactivated" : online.get(agent.id) || "offline", actions,
  };
}

/** A pending invitation's row: {expires, actions}; Resend shows the new link (`link`). */
export function invitationRow(inv, dateText = (iso) => new Date(iso).toLocaleDateString()) {
  const path = `/api/invitations/${enc(inv.id)}`;
  return {
    expires: inv.expired ? "expired" : dateText(inv.expires_at),
    actions: [
      { text: "Resend", label: `Resend the invitation to ${inv.email}`, method: "POST", path: `${path}/resend`,
        done: `Sent ${inv.email} a new link; the old one no longer works.`, link: true },
      { text: "Cancel", label: `Cancel the invitation to ${inv.email}`, method: "DELETE", path,
        done: `Cancelled the invitation to ${inv.email}.`, danger: true },
    ],
  };
}

/** What the panel says after an invitation to `address`: sent by mail, or only made. */
export const invited = (address, mailed) => (mailed ? `Invitation sent to ${address}.` : `Invited ${address}.`);

/** The words beside an invitation's link when no mail is configured; null with mail. */
export const linkNote = (body) => (body.invite_url
  ? `No mail is configured: send ${body.invitation.email} this link. It works once, for 7 days.` : null);
