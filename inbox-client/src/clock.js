// The clock relative times ("5 min ago") are drawn against: one store ticking every 30 s, so
// every <time class="ago"> (components/Ago.js) stays fresh without a timer of its own.
import { createStore } from "./store.js";

const TICK_MS = 30_000;

export const clock = createStore({ now: Date.now() });

/** Start the ticking (once, from main.js; tests import this module without a timer). */
export function startClock() {
  setInterval(() => clock.set({ now: Date.now() }), TICK_MS);
}
