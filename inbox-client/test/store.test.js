import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore } from "../src/store.js";

test("a store merges patches and tells its listeners only about real changes", () => {
  const store = createStore({ a: 1, b: { c: 2 } });
  const seen = [];
  const stop = store.subscribe((state) => seen.push(state.a));
  store.set({ a: 2 });
  store.set({ a: 2 }); // no change, no call
  store.set((state) => ({ a: state.a + 1 }));
  store.set(() => null); // nothing to change
  assert.deepEqual(seen, [2, 3]);
  assert.deepEqual(store.get().b, { c: 2 });
  stop();
  store.set({ a: 9 });
  assert.deepEqual(seen, [2, 3]);
});
