// The list's team filter (issue 21): any team, no team, or one team, each with how many of
// the held conversations the list would show with it (views-state.js's live count). Shown
// with the other filters, only once the company has a team.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { useChosen } from "../use-chosen.js";
import { NO_TEAM } from "../teams-state.js";
import { countView } from "../views-state.js";

export function TeamFilter() {
  const { store, actions } = useInbox();
  const teams = useStore(store, (s) => s.teams);
  const team = useStore(store, (s) => s.team);
  const hidden = useStore(store, (s) => s.searching || s.pane !== "conversations");
  const convs = useStore(store, (s) => s.convs);
  const me = useStore(store, (s) => s.me);
  const whose = useStore(store, (s) => s.view);
  const status = useStore(store, (s) => s.status);
  const chosen = useChosen((value) => actions.chooseTeam(value));
  const label = (name, id) => `${name} · ${countView(convs, { filter: { whose, status, team: id } }, me)}`;
  return (
    <div class="team-filter" hidden={hidden || teams.length === 0}>
      <label for="team-filter">Team</label>
      <select id="team-filter" ref={chosen} value={team}>
        <option value="">{label("Any team", "")}</option>
        <option value={NO_TEAM}>{label("No team", NO_TEAM)}</option>
        {teams.map((t) => <option key={t.id} value={t.id}>{label(t.name, t.id)}</option>)}
      </select>
    </div>
  );
}
