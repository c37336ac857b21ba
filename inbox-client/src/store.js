// A small observable store: the inbox's shared state lives in one, and components subscribe
// to the part they show (use-store.js). Plain JavaScript, so its users test without a browser.

/**
 * A store holding one state object. `set` takes a patch or a function of the state returning
 * one; listeners run after every change that replaced at least one value.
 */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(change) {
      const patch = typeof change === "function" ? change(state) : change;
      if (!patch || Object.keys(patch).every((key) => Object.is(state[key], patch[key]))) return;
      state = { ...state, ...patch };
      for (const listener of [...listeners]) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
