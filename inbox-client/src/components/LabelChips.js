// A conversation's (or contact's) labels as coloured chips: each its label's colour behind
// text that reads on it (labels-state.js's chipColours). Nothing when it has none.
import { chipColours } from "../labels-state.js";

export function LabelChips({ labels, id }) {
  if (!labels?.length) return null;
  return (
    <span class="chips" id={id}>
      {labels.map((l) => (
        <span key={l.id} class="chip" data-label-id={l.id} style={chipColours(l.colour)}>{l.name}</span>
      ))}
    </span>
  );
}
