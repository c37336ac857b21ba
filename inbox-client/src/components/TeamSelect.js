// The open conversation's team (issue 21): assigning one with round robin on hands the
// conversation to the team's next member (the hub answers with conversation.updated).
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { useChosen } from "../use-chosen.js";

export function TeamSelect({ conv }) {
  const { store, actions } = useInbox();
  const teams = useStore(store, (s) => s.teams);
  const c = conv || {};
  const chosen = useChosen((value) => actions.setTeam(value || null));
  const known = !c.team_id || teams.some((t) => t.id === c.team_id);
  return (
    <>
      <label for="conv-team" class="sr-only">Team</label>
      <select id="conv-team" ref={chosen} value={c.team_id || ""}>
        <option value="">No team</option>
        {teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
        {known ? null : <option value={c.team_id}>A deleted team</option>}
      </select>
    </>
  );
}
