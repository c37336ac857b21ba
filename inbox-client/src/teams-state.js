// Teams as the inbox holds them (docs/protocol.md, "Teams"): the company's teams from
// GET /api/teams and `teams.updated`, the list's team filter, and the Teams settings tab's
// membership changes. Plain functions, no DOM: test/teams-state.test.js.

/** The list's team filter: "" any team, "none" no team, else a team's id. */
export const ANY_TEAM = "";
export const NO_TEAM = "none";

/** The team's name, "" for none or one not known (deleted meanwhile). */
export function teamName(teams, id) {
  if (!id) return "";
  return teams.find((t) => t.id === id)?.name || "";
}

/** Whether conversation `c` passes the list's team filter. */
export function inTeam(c, team) {
  if (team === ANY_TEAM || team == null) return true;
  if (team === NO_TEAM) return !c.team_id;
  return c.team_id === team;
}

/** The filter kept only while its team exists (a deleted team's filter falls back to any). */
export function keptFilter(teams, team) {
  if (team === ANY_TEAM || team === NO_TEAM || teams.some((t) => t.id === team)) return team;
  return ANY_TEAM;
}

/** The API call that puts `agentId` in the team (`on`) or takes it out: {method, path, body}. */
export function membership(teamId, agentId, on) {
  const base = `/api/teams/${encodeURIComponent(teamId)}/members`;
  return on
    ? { method: "POST", path: base, body: { agent_id: agentId } }
    : { method: "DELETE", path: `${base}/${encodeURIComponent(agentId)}`, body: undefined };
}

/** Members' names for a team row: "Ana, Sam", or "No members". */
export function memberNames(team, agents) {
  const names = team.member_ids.map((id) => {
    const a = agents.find((x) => x.id === id);
    return a?.name || a?.email || "An agent";
  });
  return names.length ? names.join(", ") : "No members";
}
