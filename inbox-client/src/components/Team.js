// The team in the header: each agent (with their avatar) and their presence.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { Avatar } from "./Avatar.js";

const PRESENCE_LABEL = { online: "online", away: "away", offline: "offline" };

function Teammate({ a, me }) {
  const named = a.name || a.email?.split("@")[0]; // short: the header keeps to one line
  const label = a.id === me ? (named ? `${named} (you)` : "You") : named || "An agent";
  const presence = PRESENCE_LABEL[a.status] || a.status;
  return (
    <li data-agent-id={a.id} data-presence={a.status} title={`${a.name || a.email || label}: ${presence}`}>
      {a.avatar_url ? <Avatar url={a.avatar_url} name={named} /> : null}
      {label}
      <span class="sr-only">{`: ${presence}`}</span>
    </li>
  );
}

export function Team() {
  const { store } = useInbox();
  const agents = useStore(store, (s) => s.agents);
  const me = useStore(store, (s) => s.me);
  return (
    <ul id="team" class="team" aria-label="Team">
      {[...agents.values()].map((a) => <Teammate key={a.id} a={a} me={me} />)}
    </ul>
  );
}
