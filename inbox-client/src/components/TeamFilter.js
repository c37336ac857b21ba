// The list's team filter (issue 21): any team, no team, or one team. Shown with the other
// filters, only once the company has a team.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { useChosen } from "../use-chosen.js";
import { NO_TEAM } from "../teams-state.js";

export function TeamFilter() {
  const { store, actions } = useInbox();
  const teams = useStore(store, (s) => s.teams);
  const team = useStore(store, (s) => s.team);
  const hidden = useStore(store, (s) => s.searching || s.pane !== "conversations");
  const chosen = useChosen((value) => actions.chooseTeam(value));
  return (
    <div class="team-filter" hidden={hidden || teams.length === 0}>
      <label for="team-filter">Team</label>
      <select id="team-filter" ref={chosen} value={team}>
        <option value="">Any team</option>
        <option value={NO_TEAM}>No team</option>
        {teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
      </select>
    </div>
  );
}
