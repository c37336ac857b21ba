// A quick form of the walkthrough: submit runs `onSave()` (an API result) with its button
// disabled meanwhile, then the status line says what happened; an edit clears a stale "Saved.".
import { useState } from "preact/hooks";
import { explain } from "../http.js";

/** `done`: the words for success, or a function of the result giving them. */
export function OnboardingForm({ name, submit = "Save", done = "Saved.", onSave, children }) {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    setBusy(true);
    setStatus({ kind: "busy", text: "Saving…" });
    try {
      const result = await onSave();
      setStatus(result.ok ? { kind: "ok", text: typeof done === "function" ? done(result) : done }
        : { kind: "error", text: explain(result) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="set-form" aria-label={name} onSubmit={send} onInput={() => { if (!busy) setStatus(null); }}>
      {children}
      <div class="set-actions">
        <button type="submit" class="set-primary" disabled={busy}>{submit}</button>
        <p class="set-status" role="status" data-kind={status?.kind}>{status?.text}</p>
      </div>
    </form>
  );
}
