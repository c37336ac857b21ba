// A settings tab's data: read when the tab is shown (each new `load`) and again after a change.
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * [got, reload, say, reading]: `got` is null until the first read, then {data, n, note, ...extra}:
 * `data` what `fetcher()` gave, `n` counts the reads (a key that resets the forms), `note`
 * what the panel's status line says. `reload(extra)` reads again after a change and shows
 * `extra` with it (e.g. {note: "Pair added."}); `say(note)` changes only the words. What was
 * shown stays until the new read arrives; a later read wins over an earlier one still on its
 * way. `settled()` runs when the read for this `load` is done; `reading` is true while a
 * read is on its way.
 */
export function useLoaded(fetcher, load, settled) {
  const [got, setGot] = useState(null);
  const [reading, setReading] = useState(true);
  const seq = useRef(0);
  const reload = async (extra = {}) => {
    const n = ++seq.current;
    setReading(true);
    const data = await fetcher();
    if (n === seq.current) {
      setGot({ note: "", ...extra, data, n });
      setReading(false);
    }
    return data;
  };
  const say = (note) => setGot((g) => g && { ...g, note });
  useEffect(() => {
    reload().then(() => settled?.());
  }, [load]);
  return [got, reload, say, reading];
}
