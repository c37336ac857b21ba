// A <time> showing how long ago `iso` was ("5 min ago"), kept fresh by the shared clock; the
// absolute time in its `datetime` and `title`.
import { clock } from "../clock.js";
import { fullTime, relativeTime } from "../search.js";
import { useStore } from "../use-store.js";

export function Ago({ iso }) {
  const now = useStore(clock, (c) => c.now);
  if (!iso) return null;
  return <time class="ago" dateTime={iso} title={fullTime(iso)}>{relativeTime(iso, Math.max(now, Date.now()))}</time>;
}
