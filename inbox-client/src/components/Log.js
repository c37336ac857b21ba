// The open conversation's messages, private notes and AI replies being written, in order
// (inbox-state.js's logEntries). It keeps to its end while the agent is there (follow.js).
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { logEntries } from "../inbox-state.js";
import { followLog } from "../follow.js";
import { Message } from "./Message.js";
import { Note } from "./Note.js";
import { Stream } from "./Stream.js";

export function Log() {
  const { store } = useInbox();
  const current = useStore(store, (s) => s.current);
  const messages = useStore(store, (s) => s.messages.get(s.current));
  const notes = useStore(store, (s) => s.notes.get(s.current));
  const streams = useStore(store, (s) => s.streams);
  const agents = useStore(store, (s) => s.agents);
  const me = useStore(store, (s) => s.me);
  const entries = useMemo(() => logEntries({ messages: new Map([[current, messages]]), notes: new Map([[current, notes]]), streams }, current),
    [current, messages, notes, streams]);
  const log = useRef(null);
  const follow = useRef(null);
  useEffect(() => { follow.current = followLog(log.current); }, []);
  // Opening a conversation goes to its end. What is added or grows later is followed by
  // follow.js's ResizeObserver, whose callback reads the layout the browser has just made,
  // rather than by forcing one after every redraw.
  useLayoutEffect(() => { follow.current?.pin(); }, [current]);
  return (
    <div id="log" class="log" role="log" aria-label="Messages" aria-live="polite" ref={log}>
      {entries.map(({ kind, id, item }) => (kind === "message"
        ? <Message key={`m:${id}`} m={item} agents={agents} me={me} />
        : kind === "note" ? <Note key={`n:${id}`} n={item} agents={agents} me={me} />
          : <Stream key={`s:${id}`} replyId={id} stream={item} />))}
    </div>
  );
}
