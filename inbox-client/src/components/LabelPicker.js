// The labels of the open conversation (or a contact): its chips, and a "Labels" button opening
// a list of the company's labels as checkboxes (Tab and Space, as any form), with a box that
// narrows it by name. Each tick is saved at once; Escape closes it and gives the focus back to
// the button. `held` carries `labels`; `save(ids)` stores the new set; `id` prefixes ids;
// `chips: false` leaves the chips to the caller (the conversation shows them in its head).
import { useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { labelIds, matching, toggled } from "../labels-state.js";
import { LabelChips } from "./LabelChips.js";

export function LabelPicker({ held, save, id = "labels", what = "this conversation", chips = true }) {
  const { store, actions } = useInbox();
  const labels = useStore(store, (s) => s.labels);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const button = useRef(null);
  const ids = labelIds(held);
  const toggle = () => {
    if (!open) actions.loadLabels();
    setOpen(!open);
  };
  const onKeyDown = (e) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    setOpen(false);
    button.current?.focus();
  };
  return (
    <div class="label-picker">
      {chips ? <LabelChips labels={held?.labels} id={`${id}-chips`} /> : null}
      <button type="button" id={`${id}-open`} ref={button} aria-expanded={String(open)} aria-controls={`${id}-options`} onClick={toggle}>Labels</button>
      <fieldset id={`${id}-options`} class="label-options" hidden={!open} onKeyDown={onKeyDown}>
        <legend class="sr-only">{`Labels of ${what}`}</legend>
        <label for={`${id}-find`} class="sr-only">Find a label</label>
        <input id={`${id}-find`} type="search" placeholder="Find a label" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        {matching(labels, query).map((l) => (
          <label key={l.id} class="label-option">
            <input type="checkbox" data-label-id={l.id} checked={ids.includes(l.id)}
              onChange={() => save(toggled(ids, l.id))} />
            <LabelChips labels={[l]} />
          </label>
        ))}
        {labels.length ? null : <p class="set-hint">No labels yet: an owner adds them in Settings → Labels.</p>}
      </fieldset>
    </div>
  );
}
