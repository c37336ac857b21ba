// The reply box: a reply (Enter sends, Shift+Enter a new line) or a private note, the "/" list
// of canned responses (arrows, Enter or Tab, Escape), typing frames while a reply is written,
// and the attach button.
import { useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { usePicker } from "../use-picker.js";
import { CannedPicker } from "./CannedPicker.js";
import { AttachButton } from "./AttachButton.js";

const PLACEHOLDER = "Type a reply… (Enter sends, Shift+Enter for a new line, / for canned responses)";

export function Composer({ conv }) {
  const { store, actions } = useInbox();
  const canned = useStore(store, (s) => s.canned);
  const [note, setNote] = useState(false);
  const box = useRef(null);
  const picker = usePicker(box, canned);
  const { pick } = picker;

  const submit = () => {
    if (!actions.sendReply(box.current.value, note)) return;
    box.current.value = "";
    picker.close();
  };
  const onKeyDown = (e) => {
    if (picker.key(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  };
  const onInput = () => {
    picker.typed();
    if (!note) actions.typing();
  };
  const onNote = (e) => {
    const on = e.currentTarget.checked;
    setNote(on);
    if (on) actions.stopTyping();
  };
  return (
    <form id="reply" class={note ? "reply noting" : "reply"} onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label for="reply-text">Reply</label>
      <label class="note-mode"><input type="checkbox" id="note-mode" checked={note} onChange={onNote} /> Private note</label>
      <CannedPicker pick={pick} choose={picker.choose} />
      <textarea id="reply-text" ref={box} rows={2} maxLength={4000} aria-autocomplete="list" aria-controls="canned"
        aria-expanded={String(pick.open)} aria-activedescendant={pick.open ? `canned-${pick.index}` : undefined}
        placeholder={note ? "A private note: only your team sees it" : PLACEHOLDER}
        onKeyDown={onKeyDown} onInput={onInput} onBlur={() => { actions.stopTyping(); picker.close(); }} />
      <button type="submit" id="send">{note ? "Add note" : "Send reply"}</button>
      <AttachButton conv={conv} blocked={note} />
    </form>
  );
}
