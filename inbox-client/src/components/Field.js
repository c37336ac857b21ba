// A labelled control bound to a value: an input of any type, a textarea, a select or a
// checkbox (label after the box), with an optional hint it is described by.
import { useState } from "preact/hooks";

let uid = 0;

/**
 * `kind`: an input type, "textarea", "select" (with `options`, [value, text] pairs) or
 * "checkbox"; `value` and `onValue(value)` (a checkbox's value is its checked state). Other
 * props (required, maxLength, placeholder, rows…) go to the control.
 */
export function Field({ label, kind = "text", value, onValue, hint, options = [], ...attrs }) {
  const [id] = useState(() => `set-f${++uid}`);
  const props = { id, "aria-describedby": hint ? `${id}-hint` : undefined, ...attrs };
  const onInput = (e) => onValue?.(e.currentTarget.value);
  let control;
  if (kind === "textarea") control = <textarea rows={3} {...props} value={value} onInput={onInput} />;
  else if (kind === "select") {
    control = (
      <select {...props} value={value} onInput={onInput}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    );
  } else if (kind === "checkbox") {
    control = <input type="checkbox" {...props} checked={value} onChange={(e) => onValue?.(e.currentTarget.checked)} />;
  } else control = <input type={kind} {...props} value={value} onInput={onInput} />;
  const text = <label for={id}>{label}</label>;
  return (
    <div class={kind === "checkbox" ? "set-field set-check" : "set-field"}>
      {kind === "checkbox" ? [control, text] : [text, control]}
      {hint && <p class="set-hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}
