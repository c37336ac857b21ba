// A form's values in one state object, and `bind(name)` to hand a Field its value and setter.
import { useState } from "preact/hooks";

/** [values, bind, setValues]: `bind(name)` is {value, onValue} for a Field. */
export function useValues(initial) {
  const [values, setValues] = useState(initial);
  const bind = (name) => ({ value: values[name], onValue: (v) => setValues((s) => ({ ...s, [name]: v })) });
  return [values, bind, setValues];
}
