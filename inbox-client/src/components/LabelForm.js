// A label's fields: name, colour (the palette's, or the label's own hex) and description, with
// its chip as it will look. Creates a label (no `label`) or saves one in place.
import { useState } from "preact/hooks";
import { explain } from "../http.js";
import { PALETTE } from "../labels-state.js";
import { LabelChips } from "./LabelChips.js";

/** `send(body)` answers an API result; `name` is the form's accessible name. */
export function LabelForm({ label, send, submit, name }) {
  const [colour, setColour] = useState(label?.colour || PALETTE.blue);
  const [shown, setShown] = useState(label?.name || "");
  const [note, setNote] = useState("");
  const own = label && !Object.values(PALETTE).includes(label.colour) ? label.colour : null;
  const onSubmit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const body = { name: form.elements.name.value.trim(), colour, description: form.elements.description.value };
    const result = await send(body);
    setNote(result.ok ? "" : explain(result));
  };
  const id = label ? `label-${label.id}` : "label-new";
  return (
    <form class="label-form" aria-label={name} data-label-id={label?.id} onSubmit={onSubmit}>
      <label for={`${id}-name`}>Name</label>
      <input id={`${id}-name`} name="name" required maxLength={64} pattern="[^\s:,][^:,]*" value={shown}
        onInput={(e) => setShown(e.currentTarget.value)} />
      <label for={`${id}-colour`}>Colour</label>
      <select id={`${id}-colour`} name="colour" value={colour} onChange={(e) => setColour(e.currentTarget.value)}>
        {Object.entries(PALETTE).map(([word, hex]) => <option key={hex} value={hex}>{word}</option>)}
        {own ? <option value={own}>{own}</option> : null}
      </select>
      <label for={`${id}-description`}>Description</label>
      <input id={`${id}-description`} name="description" maxLength={200} defaultValue={label?.description || ""} />
      <LabelChips labels={[{ id, name: shown || "preview", colour }]} />
      <button type="submit">{submit}</button>
      <p class="set-error" role="alert">{note}</p>
    </form>
  );
}
