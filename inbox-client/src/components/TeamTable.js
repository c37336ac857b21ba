// The Team tab's teammates: name, email, role, status and the actions an owner may take
// (team-state.js's agentRow), each drawn by `button(action)`.
import { agentRow } from "../team-state.js";
import { SettingsTable } from "./SettingsTable.js";

/** `agents` from GET /api/agents; `online` maps an id to its presence; `me` the owner's id. */
export function TeamTable({ agents, online, me, button }) {
  return (
    <SettingsTable caption="Teammates" columns={["Name", "Email", "Role", "Status", ""]}>
      {agents.map((agent) => {
        const row = agentRow(agent, me, online);
        return (
          <tr key={agent.id} data-agent-id={agent.id}>
            <td>{row.name}</td><td>{row.email}</td><td>{row.role}</td><td>{row.status}</td>
            <td class="set-row-actions">{row.actions.map(button)}</td>
          </tr>
        );
      })}
    </SettingsTable>
  );
}
