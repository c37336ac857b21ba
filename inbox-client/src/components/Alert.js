// What went wrong, for 12 s or until dismissed (an error frame, a failed call, a reply not sent).
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";

export function Alert() {
  const { store } = useInbox();
  const alert = useStore(store, (s) => s.alert);
  return (
    <div id="alert" class="alert" role="alert" data-code={alert?.code ?? ""} hidden={!alert}>
      <span id="alert-text">{alert?.text ?? ""}</span>
      <button type="button" id="alert-close" aria-label="Dismiss alert" onClick={() => store.set({ alert: null })}>×</button>
    </div>
  );
}
