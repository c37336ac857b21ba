// "Visitor is typing…" under the open conversation's log.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { typingText } from "../inbox-state.js";

export function Typing() {
  const { store } = useInbox();
  const text = useStore(store, typingText);
  return <p id="typing" class="typing" aria-live="polite">{text}</p>;
}
