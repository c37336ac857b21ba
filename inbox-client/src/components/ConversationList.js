// The conversation list: the chosen view and status, newest first, and "No conversations
// here." when it is empty. Items keep their element across redraws (keyed by id); the one
// with the keyboard focus keeps it when the list reorders.
import { useLayoutEffect, useMemo, useRef } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { listed } from "../inbox-state.js";
import { inTeam } from "../teams-state.js";
import { filtered } from "../labels-state.js";
import { ConversationItem } from "./ConversationItem.js";

const focusedConversation = () => document.activeElement?.closest?.("[data-conversation-id]")?.dataset.conversationId;

export function ConversationList() {
  const { store } = useInbox();
  const convs = useStore(store, (s) => s.convs);
  const view = useStore(store, (s) => s.view);
  const status = useStore(store, (s) => s.status);
  const me = useStore(store, (s) => s.me);
  const agents = useStore(store, (s) => s.agents);
  const current = useStore(store, (s) => s.current);
  const off = useStore(store, (s) => s.searching || s.pane !== "conversations");
  const team = useStore(store, (s) => s.team);
  const teams = useStore(store, (s) => s.teams);
  const labelFilter = useStore(store, (s) => s.labelFilter);
  const items = useMemo(() => filtered(listed({ convs, view, status, me }), labelFilter).filter((c) => inTeam(c, team)),
    [convs, view, status, me, team, labelFilter]);
  const list = useRef(null);
  const focused = useRef(null);
  focused.current = focusedConversation(); // before this redraw moves anything
  useLayoutEffect(() => {
    const id = focused.current;
    if (id && focusedConversation() !== id) list.current.querySelector(`[data-conversation-id="${CSS.escape(id)}"]`)?.focus();
  });
  return (
    <>
      <div id="list" class="list" role="list" aria-label="Conversations" hidden={off} ref={list}>
        {items.map((c) => (
          <div role="listitem" class="item" key={c.id} data-id={c.id}>
            <ConversationItem conv={c} current={c.id === current} agents={agents} me={me} teams={teams} />
          </div>
        ))}
      </div>
      <p id="empty" class={off ? "empty off" : "empty"} hidden={items.length > 0}>No conversations here.</p>
    </>
  );
}
