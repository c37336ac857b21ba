// A labelled control of the walkthrough's quick forms (the look of Settings' fields):
// `kind` is an input type, "textarea" or "select" (`options`: [value, text] pairs).
import { useState } from "preact/hooks";

let uid = 0;

export function OnboardingField({ label, kind = "text", value, onValue, hint, options = [], ...attrs }) {
  const [id] = useState(() => `ob-field-${++uid}`);
  const bind = { id, value, onInput: (e) => onValue(e.currentTarget.value),
    "aria-describedby": hint ? `${id}-hint` : undefined, ...attrs };
  let input;
  if (kind === "textarea") input = <textarea rows={3} {...bind} />;
  else if (kind === "select") {
    input = <select {...bind}>{options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}</select>;
  } else input = <input type={kind} {...bind} />;
  return (
    <div class="set-field">
      <label for={id}>{label}</label>
      {input}
      {hint && <p class="set-hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}
