import { test } from "node:test";
import assert from "node:assert/strict";
import { inTeam, keptFilter, memberNames, membership, teamName } from "../src/teams-state.js";

const teams = [{ id: "t1", name: "Sales", member_ids: ["a1", "a2"] }, { id: "t2", name: "Support", member_ids: [] }];

test("a team's name, none for no team or a deleted one", () => {
  assert.equal(teamName(teams, "t2"), "Support");
  assert.equal(teamName(teams, null), "");
  assert.equal(teamName(teams, "gone"), "");
});

test("the team filter: any, no team, one team", () => {
  const c = { team_id: "t1" };
  assert.ok(inTeam(c, "") && inTeam(c, "t1"));
  assert.ok(!inTeam(c, "t2") && !inTeam(c, "none"));
  assert.ok(inTeam({ team_id: null }, "none"));
});

test("a deleted team's filter falls back to any team", () => {
  assert.equal(keptFilter(teams, "t1"), "t1");
  assert.equal(keptFilter(teams, "none"), "none");
  assert.equal(keptFilter(teams, "gone"), "");
});

test("membership changes are one call each", () => {
  assert.deepEqual(membership("t 1", "a1", true), { method: "POST", path: "/api/teams/t%201/members", body: { agent_id: "a1" } });
  assert.deepEqual(membership("t1", "a/1", false), { method: "DELETE", path: "/api/teams/t1/members/a%2F1", body: undefined });
});

test("members' names", () => {
  const agents = [{ id: "a1", name: "Ana" }, { id: "a2", email: "sam@x.example" }];
  assert.equal(memberNames(teams[0], agents), "Ana, sam@x.example");
  assert.equal(memberNames(teams[1], agents), "No members");
});
