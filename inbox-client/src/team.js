// Settings → Team (owners): teammates with their role and state, invitations by email
// (pending ones resent or cancelled), role changes, deactivation and reactivation, and the
// transfer of ownership. docs/protocol.md, "Teammates". ES module, no framework.

let api; // { request, explain, field, form, el, me } from inbox-settings.js

const enc = encodeURIComponent;
const RELOAD = Symbol("reload");

/** Fill the Team panel; every change re-reads it, so the table always shows the hub's truth. */
export async function mountTeam(panel, helpers) {
  api = helpers;
  const { request, el } = api;
  const [agents, invitations, presence] = await Promise.all([request("GET", "/api/agents"),
    request("GET", "/api/invitations"), request("GET", "/api/presence")]);
  if (!agents.ok || !invitations.ok) {
    panel.replaceChildren(el("p", { className: "set-status", role: "alert", textContent: api.explain(agents.ok ? invitations : agents) }));
    return;
  }
  const online = new Map((presence.body?.agents || []).map((a) => [a.id, a.status]));
  const status = el("p", { className: "set-status", role: "status" });
  const once = el("div", { className: "set-once", hidden: true });
  once.setAttribute("aria-live", "polite");
  const heading = el("h3", { textContent: "Team", tabIndex: -1 });
  panel.replaceChildren(heading, status, teamTable(agents.body.agents, online, panel),
    el("h4", { textContent: "Invite a teammate" }), inviteForm(panel, invitations.body.mail_configured), once,
    el("h4", { textContent: "Pending invitations" }), pendingTable(invitations.body.invitations, panel));
}

const say = (panel, text) => { panel.querySelector(":scope > .set-status").textContent = text; };

function table(caption, columns, rows) {
  const { el } = api;
  return el("table", { className: "set-table" }, el("caption", { className: "sr-only", textContent: caption }),
    el("thead", {}, el("tr", {}, ...columns.map((t) => el("th", { scope: "col", textContent: t })))),
    el("tbody", {}, ...rows));
}

/** A button that runs `call` (an API result) then re-reads the panel and says `done`. */
function action(panel, text, label, call, done, ask) {
  const button = api.el("button", { type: "button", textContent: text });
  button.setAttribute("aria-label", label);
  button.addEventListener("click", async () => {
    if (ask && !confirm(ask)) return;
    button.disabled = true;
    const result = await call();
    if (!result.ok) { button.disabled = false; say(panel, api.explain(result)); return; }
    if (done === RELOAD) { location.reload(); return; } // no longer an owner: the inbox re-reads the role
    await mountTeam(panel, api);
    say(panel, typeof done === "function" ? done(result) : done);
  });
  return button;
}

function teamTable(agents, online, panel) {
  const { el, request } = api;
  const rows = agents.map((agent) => {
    const who = agent.name || agent.email || "this agent";
    const me = agent.id === api.me;
    const state = agent.revoked ? "deactivated" : online.get(agent.id) || "offline";
    const buttons = [];
    const path = `/api/agents/${enc(agent.id)}`;
    if (!me && !agent.revoked) {
      const other = agent.role === "owner" ? "agent" : "owner";
      buttons.push(action(panel, other === "owner" ? "Make owner" : "Make agent", `Make ${who} an ${other}`,
        () => request("PUT", `${path}/role`, { role: other }), `${who} is now an ${other}.`));
      buttons.push(action(panel, "Transfer ownership", `Transfer ownership to ${who}`,
        () => request("POST", `${path}/transfer-ownership`), RELOAD,
        `Make ${who} the owner? You become an agent.`));
      buttons.push(action(panel, "Deactivate", `Deactivate ${who}`, () => request("POST", `${path}/deactivate`),
        `Deactivated ${who}.`, `Deactivate ${who}? They are signed out everywhere at once.`));
    }
    if (agent.revoked) {
      buttons.push(action(panel, "Reactivate", `Reactivate ${who}`, () => request("POST", `${path}/reactivate`),
        `${who} is back.`));
    }
    for (const b of buttons) if (b.textContent === "Deactivate") b.className = "set-danger";
    const row = el("tr", {}, el("td", { textContent: `${agent.name || "—"}${me ? " (you)" : ""}` }),
      el("td", { textContent: agent.email || "—" }), el("td", { textContent: agent.role }),
      el("td", { textContent: state }), el("td", { className: "set-row-actions" }, ...buttons));
    row.dataset.agentId = agent.id;
    return row;
  });
  return table("Teammates", ["Name", "Email", "Role", "Status", ""], rows);
}

function inviteForm(panel, mailed) {
  const { field, form, request } = api;
  const email = field("Email", "email", { required: true, maxLength: 320, autocomplete: "off" });
  const role = field("Role", "select", {}, [["agent", "Agent"], ["owner", "Owner"]]);
  const f = form("Invite a teammate", [email.wrap, role.wrap], async () => {
    const address = email.input.value.trim();
    const result = await request("POST", "/api/invitations", { email: address, role: role.input.value });
    if (result.ok) {
      await mountTeam(panel, api);
      showLink(panel, result.body);
      say(panel, mailed ? `Invitation sent to ${address}.` : `Invited ${address}.`);
    }
    return result;
  }, { submit: "Invite", done: (r) => `Invited ${r.body.invitation.email}.` });
  return f.node;
}

/** Without mail, the invitation's link, for the owner to pass on (shown this once). */
function showLink(panel, body) {
  const box = panel.querySelector(".set-once");
  if (!body.invite_url) { box.hidden = true; return; }
  const { el } = api;
  box.hidden = false;
  box.replaceChildren(el("p", { textContent: `No mail is configured: send ${body.invitation.email} this link. It works once, for 7 days.` }),
    el("code", { className: "set-secret", textContent: body.invite_url }));
}

function pendingTable(invitations, panel) {
  const { el, request } = api;
  if (!invitations.length) return el("p", { className: "set-hint", textContent: "No invitation is waiting." });
  const rows = invitations.map((inv) => {
    const path = `/api/invitations/${enc(inv.id)}`;
    const resend = action(panel, "Resend", `Resend the invitation to ${inv.email}`, () => request("POST", `${path}/resend`),
      (r) => { showLink(panel, r.body); return `Sent ${inv.email} a new link; the old one no longer works.`; });
    const cancel = action(panel, "Cancel", `Cancel the invitation to ${inv.email}`, () => request("DELETE", path),
      `Cancelled the invitation to ${inv.email}.`);
    cancel.className = "set-danger";
    const expires = inv.expired ? "expired" : new Date(inv.expires_at).toLocaleDateString();
    const row = el("tr", {}, el("td", { textContent: inv.email }), el("td", { textContent: inv.role }),
      el("td", { textContent: expires }), el("td", { className: "set-row-actions" }, resend, cancel));
    row.dataset.invitationId = inv.id;
    return row;
  });
  return table("Pending invitations", ["Email", "Role", "Expires", ""], rows);
}
