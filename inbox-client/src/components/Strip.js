// The header's live part, between the title and the buttons: today's counters, the team, this
// agent's presence, the notification switches and the connection.
import { Stats } from "./Stats.js";
import { Team } from "./Team.js";
import { Presence } from "./Presence.js";
import { NotifySwitches } from "./NotifySwitches.js";
import { Connection } from "./Connection.js";

export function Strip() {
  return (
    <>
      <Stats />
      <Team />
      <Presence />
      <NotifySwitches />
      <Connection />
    </>
  );
}
