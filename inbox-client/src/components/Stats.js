// "Visits" and "Engaged" today (stats.updated).
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";

export function Stats() {
  const { store } = useInbox();
  const stats = useStore(store, (s) => s.stats);
  return (
    <dl class="stats">
      <div><dt>Visits</dt><dd><output id="visits" aria-label="Visits today" aria-live="off">{String(stats.visits)}</output></dd></div>
      <div><dt>Engaged</dt><dd><output id="engaged" aria-label="Engaged visits today" aria-live="off">{String(stats.engaged)}</output></dd></div>
    </dl>
  );
}
