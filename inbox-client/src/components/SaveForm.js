// A form whose submit runs `save()` (an API result) with its button disabled meanwhile, then
// says what happened in its status line; an edit after that makes the words stale and clears them.
import { useEffect, useRef, useState } from "preact/hooks";
import { explain } from "../http.js";

const IDLE = { busy: false, kind: undefined, text: "" };

/**
 * `name` labels the form; `done` is the words for a success (or a function of the result);
 * `before` goes in the actions row ahead of the submit button (e.g. a Cancel).
 */
export function SaveForm({ name, save, submit = "Save", done = "Saved.", before, children }) {
  const [state, setState] = useState(IDLE);
  const live = useRef(true);
  useEffect(() => () => { live.current = false; }, []);
  const onInput = () => { if (!state.busy && state.text) setState(IDLE); };
  const onSubmit = async (e) => {
    e.preventDefault();
    setState({ busy: true, kind: "busy", text: "Saving…" });
    let result = null;
    try {
      result = await save();
    } finally {
      if (live.current) {
        setState(!result ? { ...IDLE, kind: "busy", text: "Saving…" } : {
          busy: false, kind: result.ok ? "ok" : "error",
          text: result.ok ? (typeof done === "function" ? done(result) : done) : explain(result),
        });
      }
    }
  };
  return (
    <form class="set-form" aria-label={name} onInput={onInput} onSubmit={onSubmit}>
      {children}
      <div class="set-actions">
        {before}
        <button type="submit" class="set-primary" disabled={state.busy}>{submit}</button>
        <p class="set-status" role="status" data-kind={state.kind}>{state.text}</p>
      </div>
    </form>
  );
}
