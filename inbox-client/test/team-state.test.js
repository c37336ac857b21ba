import { test } from "node:test";
import assert from "node:assert/strict";
import { agentRow, invitationRow, invited, linkNote } from "../src/team-state.js";

const online = new Map([["a2", "away"]]);
const texts = (row) => row.actions.map((a) => a.text);

test("an owner may not act on themselves", () => {
  const row = agentRow({ id: "a1", name: "Ada", email: "ada@x", role: "owner" }, "a1", online);
  assert.equal(row.name, "Ada (you)");
  assert.equal(row.status, "offline");
  assert.deepEqual(row.actions, []);
});

test("an active agent can be made owner, given the ownership or deactivated", () => {
  const row = agentRow({ id: "a2", name: null, email: "eve@x", role: "agent" }, "a1", online);
  assert.equal(row.who, "eve@x");
  assert.equal(row.name, "—");
  assert.equal(row.status, "away");
  assert.deepEqual(texts(row), ["Make owner", "Transfer ownership", "Deactivate"]);
  const [role, transfer, deactivate] = row.actions;
  assert.deepEqual([role.label, role.method, role.path, role.body], ["Make eve@x an owner", "PUT", "/api/agents/a2/role", { role: "owner" }]);
  assert.equal(transfer.reload, true);
  assert.equal(transfer.ask, "Make eve@x the owner? You become an agent.");
  assert.equal(deactivate.danger, true);
  assert.ok(deactivate.ask.startsWith("Deactivate eve@x?"));
  const owner = agentRow({ id: "a3", name: "Bo", role: "owner" }, "a1", online);
  assert.equal(owner.actions[0].label, "Make Bo an agent");
  assert.equal(owner.actions[0].done, "Bo is now an agent.");
});

test("a deactivated teammate can only be reactivated", () => {
  const row = agentRow({ id: "a/4", name: "Cy", role: "agent", revoked: true }, "a1", online);
  assert.equal(row.status, "deactivated");
  assert.deepEqual(texts(row), ["Reactivate"]);
  assert.equal(row.actions[0].path, "/api/agents/a%2F4/reactivate");
  assert.equal(row.actions[0].done, "Cy is back.");
});

test("an invitation can be resent (a new link) or cancelled", () => {
  const row = invitationRow({ id: "i1", email: "joe@x", expires_at: "2026-03-01T00:00:00Z" }, () => "1 Mar");
  assert.equal(row.expires, "1 Mar");
  assert.deepEqual(row.actions.map((a) => [a.text, a.method, a.path]),
    [["Resend", "POST", "/api/invitations/i1/resend"], ["Cancel", "DELETE", "/api/invitations/i1"]]);
  assert.equal(row.actions[0].link, true);
  assert.equal(invitationRow({ id: "i2", email: "x", expired: true }).expires, "expired");
  assert.equal(invited("joe@x", true), "Invitation sent to joe@x.");
  assert.equal(invited("joe@x", false), "Invited joe@x.");
  assert.equal(linkNote({ invitation: { email: "joe@x" }, invite_url: "u" }), "No mail is configured: send joe@x this link. It works once, for 7 days.");
  assert.equal(linkNote({ invitation: { email: "joe@x" }, invite_url: null }), null);
});
