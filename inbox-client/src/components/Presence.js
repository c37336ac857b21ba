// "You are Online / Away": this agent's presence, set once chosen (select.js).
import { useRef } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { useChosen } from "../use-chosen.js";

export function Presence() {
  const { store, actions } = useInbox();
  const mine = useStore(store, (s) => s.agents.get(s.me)?.status ?? null);
  const shown = useRef("online"); // offline is not a choice: the select keeps what it showed
  if (mine && mine !== "offline") shown.current = mine;
  const select = useChosen((value) => actions.presence(value));
  return (
    <label class="me">You are
      {" "}<select id="presence" aria-label="Your presence" disabled={!mine} value={shown.current} ref={select}>
        <option value="online">Online</option>
        <option value="away">Away</option>
      </select>
    </label>
  );
}
