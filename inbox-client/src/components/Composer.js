// The reply box: a reply (Enter sends, Shift+Enter a new line) or a private note, the "/" list
// of canned responses (arrows, Enter or Tab, Escape), typing frames while a reply is written,
// and the attach button.
import { useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { CLOSED, insertCanned, movePicker, updatePicker } from "../picker.js";
import { CannedPicker } from "./CannedPicker.js";
import { AttachButton } from "./AttachButton.js";

const PLACEHOLDER = "Type a reply… (Enter sends, Shift+Enter for a new line, / for canned responses)";

export function Composer({ conv }) {
  const { store, actions } = useInbox();
  const canned = useStore(store, (s) => s.canned);
  const [note, setNote] = useState(false);
  const [pick, setPickState] = useState(CLOSED);
  const picked = useRef(CLOSED); // the picker now, for keys pressed before a redraw
  const box = useRef(null);
  const setPick = (p) => { picked.current = p; setPickState(p); };

  const submit = () => {
    const text = box.current.value;
    if (!actions.sendReply(text, note)) return;
    box.current.value = "";
    setPick(CLOSED);
  };
  const choose = (i) => {
    const done = insertCanned(picked.current, i, box.current.value, box.current.selectionStart);
    if (!done) return;
    box.current.value = done.value;
    box.current.setSelectionRange(done.caret, done.caret);
    setPick(CLOSED);
    box.current.focus();
  };
  const pickerKey = (e) => {
    const p = picked.current;
    if (!p.open) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") setPick(movePicker(p, e.key === "ArrowDown" ? 1 : -1));
    else if (e.key === "Enter" || e.key === "Tab") choose(p.index);
    else if (e.key === "Escape") setPick(CLOSED);
    else return false;
    e.preventDefault();
    return true;
  };
  const onKeyDown = (e) => {
    if (pickerKey(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  };
  const onInput = () => {
    setPick(updatePicker(picked.current, canned, box.current.value, box.current.selectionStart));
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
      <CannedPicker pick={pick} choose={choose} />
      <textarea id="reply-text" ref={box} rows={2} maxLength={4000} aria-autocomplete="list" aria-controls="canned"
        aria-expanded={String(pick.open)} aria-activedescendant={pick.open ? `canned-${pick.index}` : undefined}
        placeholder={note ? "A private note: only your team sees it" : PLACEHOLDER}
        onKeyDown={onKeyDown} onInput={onInput} onBlur={() => { actions.stopTyping(); setPick(CLOSED); }} />
      <button type="submit" id="send">{note ? "Add note" : "Send reply"}</button>
      <AttachButton conv={conv} blocked={note} />
    </form>
  );
}
