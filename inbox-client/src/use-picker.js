// The "/" canned-response picker of a textarea, as a hook over picker.js: its state, its keys
// (arrows, Enter or Tab, Escape), and a response put in place of the "/word".
import { useRef, useState } from "preact/hooks";
import { CLOSED, insertCanned, movePicker, updatePicker } from "./picker.js";

/** For the textarea `box` (a ref) and the company's `canned` responses. */
export function usePicker(box, canned) {
  const [pick, setState] = useState(CLOSED);
  const now = useRef(CLOSED); // the picker now, for keys pressed before a redraw
  const set = (p) => { now.current = p; setState(p); };
  const choose = (i) => {
    const done = insertCanned(now.current, i, box.current.value, box.current.selectionStart);
    if (!done) return;
    box.current.value = done.value;
    box.current.setSelectionRange(done.caret, done.caret);
    set(CLOSED);
    box.current.focus();
  };
  /** Handle a key for the open picker; true when it was the picker's. */
  const key = (e) => {
    const p = now.current;
    if (!p.open) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") set(movePicker(p, e.key === "ArrowDown" ? 1 : -1));
    else if (e.key === "Enter" || e.key === "Tab") choose(p.index);
    else if (e.key === "Escape") set(CLOSED);
    else return false;
    e.preventDefault();
    return true;
  };
  const typed = () => set(updatePicker(now.current, canned, box.current.value, box.current.selectionStart));
  return { pick, choose, key, typed, close: () => set(CLOSED) };
}
