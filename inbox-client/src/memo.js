// A component drawn again only when one of its props changed (compared one by one with
// Object.is), as preact/compat's `memo` does, without compat: a list of a thousand
// conversations or a long log redraws only the rows whose data changed. The wrapped component
// renders as a child, so its own hooks (useStore) still redraw it.
import { createElement } from "preact";

const changed = (a, b) => {
  for (const key in a) if (!(key in b)) return true;
  for (const key in b) if (!Object.is(a[key], b[key])) return true;
  return false;
};

/** `component`, skipping redraws with the same props. */
export function memo(component) {
  function Memo(props) {
    this.shouldComponentUpdate = (next) => changed(this.props, next);
    return createElement(component, props);
  }
  Memo.displayName = `Memo(${component.name})`;
  return Memo;
}
