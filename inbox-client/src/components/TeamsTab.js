// Settings → Teams (owners, issue 21): the company's teams; create one, rename it, choose its
// members, turn its round robin on or off, delete it. Every change re-reads the panel; the
// inboxes hear of it by `teams.updated`. docs/protocol.md, "Teams".
import { useState } from "preact/hooks";
import { explain, request } from "../http.js";
import { memberNames, membership } from "../teams-state.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { Failure } from "./Failure.js";

const read = () => Promise.all([request("GET", "/api/teams"), request("GET", "/api/agents")]);
const teamPath = (id) => `/api/teams/${encodeURIComponent(id)}`;

function NewTeam({ made }) {
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    const r = await request("POST", "/api/teams", { name });
    if (!r.ok) return setError(explain(r));
    setName("");
    made(`Team ${r.body.team.name} created.`);
  };
  return (
    <form class="set-form" onSubmit={submit}>
      <label for="new-team">Team name</label>
      <input id="new-team" value={name} maxLength={100} required onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit">Create team</button>
      <p class="set-error" role="alert">{error}</p>
    </form>
  );
}

function TeamRow({ team, agents, changed }) {
  const [name, setName] = useState(team.name);
  const call = async (method, path, body, note) => {
    const r = await request(method, path, body);
    changed(r.ok ? note : explain(r));
    return r;
  };
  const member = (a) => (e) => {
    const { method, path, body } = membership(team.id, a.id, e.currentTarget.checked);
    call(method, path, body, `${team.name}: members changed.`);
  };
  const rename = (e) => {
    e.preventDefault();
    call("PATCH", teamPath(team.id), { name }, `Team renamed ${name.trim()}.`);
  };
  return (
    <li class="team-row" data-team-id={team.id}>
      <form onSubmit={rename}>
        <input aria-label={`Name of ${team.name}`} value={name} maxLength={100} required onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" aria-label={`Rename ${team.name}`}>Rename</button>
      </form>
      <label>
        <input type="checkbox" data-round-robin checked={team.round_robin}
          onChange={(e) => call("PATCH", teamPath(team.id), { round_robin: e.currentTarget.checked }, `${team.name}: round robin ${e.currentTarget.checked ? "on" : "off"}.`)} />
        {" "}Round robin: assign its conversations to its members in turn
      </label>
      <fieldset>
        <legend>{`Members of ${team.name}`}</legend>
        {agents.filter((a) => !a.revoked).map((a) => (
          <label key={a.id}>
            <input type="checkbox" data-member={a.id} checked={team.member_ids.includes(a.id)} onChange={member(a)} />
            {" "}{a.name || a.email || "An agent"}
          </label>
        ))}
      </fieldset>
      <p class="set-hint">{memberNames(team, agents)}</p>
      <ActionButton text="Delete" label={`Delete ${team.name}`} danger ask={`Delete the team ${team.name}? Its conversations keep their assignee.`}
        run={() => request("DELETE", teamPath(team.id))} then={(r) => changed(r.ok ? `Team ${team.name} deleted.` : explain(r))} />
    </li>
  );
}

export function TeamsTab({ load, settled }) {
  const [got, reload] = useLoaded(read, load, settled);
  if (!got) return null;
  const [teams, agents] = got.data;
  if (!teams.ok || !agents.ok) return <Failure result={teams.ok ? agents : teams} />;
  const changed = (note) => reload({ note });
  return (
    <>
      <h3 tabIndex={-1}>Teams</h3>
      <p class="set-status" role="status">{got.note}</p>
      <ul class="teams">
        {teams.body.teams.map((t) => <TeamRow key={`${t.id}:${got.n}`} team={t} agents={agents.body.agents} changed={changed} />)}
      </ul>
      {teams.body.teams.length ? null : <p>No teams yet.</p>}
      <h4>New team</h4>
      <NewTeam key={got.n} made={changed} />
    </>
  );
}
