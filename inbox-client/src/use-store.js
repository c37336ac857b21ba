// The Preact side of store.js: a component re-renders when its selected slice changes.
import { useEffect, useState } from "preact/hooks";

/** The `select(state)` of `store`, kept current; compared with Object.is. */
export function useStore(store, select = (state) => state) {
  const [value, setValue] = useState(() => select(store.get()));
  useEffect(() => {
    const update = () => setValue(() => select(store.get()));
    update(); // a change between the render and this effect
    return store.subscribe(update);
  }, [store]);
  return value;
}
