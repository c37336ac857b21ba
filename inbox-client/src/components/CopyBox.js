// A value to paste somewhere else (the embed snippet, a webhook address): read-only, selected
// on focus, with a Copy button; where the clipboard is refused it selects the text for Ctrl+C.
import { useEffect, useRef, useState } from "preact/hooks";

let uid = 0;

export function CopyBox({ label, value = "", multiline = false }) {
  const [id] = useState(() => `ob-copy-${++uid}`);
  const [said, setSaid] = useState("");
  const box = useRef(null);
  useEffect(() => setSaid(""), [value]); // a new value: "Copied." spoke of the old one
  const copy = async () => setSaid((await copyFrom(box.current)) ? "Copied." : "Select it and copy (Ctrl+C).");
  const props = { id, ref: box, readOnly: true, class: "ob-value", spellcheck: false, value,
    onFocus: (e) => e.currentTarget.select() };
  return (
    <div class="ob-copy">
      <label for={id}>{label}</label>
      <div class="ob-copy-row">
        {multiline ? <textarea rows={2} {...props} /> : <input {...props} />}
        <button type="button" aria-label={`Copy ${label.toLowerCase()}`} onClick={copy}>Copy</button>
        <span class="ob-copied" role="status">{said}</span>
      </div>
    </div>
  );
}

async function copyFrom(box) {
  try {
    await navigator.clipboard.writeText(box.value);
    return true;
  } catch {
    box.focus();
    box.select(); // no clipboard permission: the owner copies the selection
    return false;
  }
}
