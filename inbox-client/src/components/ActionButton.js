// A button that asks first (if `ask`), runs `run()` (an API result) disabled meanwhile, and
// hands the result to `then`; a failure enables it again.
import { useEffect, useRef, useState } from "preact/hooks";

/** `label` is its accessible name when `text` alone would be ambiguous (one per row). */
export function ActionButton({ text, label, ask, run, then, danger }) {
  const [busy, setBusy] = useState(false);
  const live = useRef(true);
  useEffect(() => () => { live.current = false; }, []);
  const onClick = async () => {
    if (ask && !confirm(ask)) return;
    setBusy(true);
    const result = await run();
    if (!result.ok && live.current) setBusy(false);
    await then?.(result);
  };
  return (
    <button type="button" class={danger ? "set-danger" : undefined} aria-label={label} disabled={busy} onClick={onClick}>
      {text}
    </button>
  );
}
