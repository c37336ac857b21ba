// select.js's onChosen as a hook: a ref for a <select> that acts once the agent has chosen.
import { useEffect, useRef } from "preact/hooks";
import { onChosen } from "./select.js";

/** A ref to put on a <select>; `act(value, select)` runs once a value has been chosen. */
export function useChosen(act) {
  const ref = useRef(null);
  const latest = useRef(act);
  latest.current = act;
  useEffect(() => onChosen(ref.current, (value) => latest.current(value, ref.current)), []);
  return ref;
}
