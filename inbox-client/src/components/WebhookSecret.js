// An endpoint's signing secret, this once (WebhooksTab): after POST /api/webhooks or a
// rotation. The hub shows it only then. The copy button uses the clipboard, else selects it.
import { useRef, useState } from "preact/hooks";

/** `shown` is {name, secret} or null (the box stays, hidden, as a live region). */
export function WebhookSecret({ shown }) {
  const code = useRef(null);
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown.secret);
      setCopied("Copied.");
    } catch {
      getSelection().selectAllChildren(code.current); // no clipboard access: select it
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  return (
    <div class="set-once wh-secret" hidden={!shown} aria-live="polite">
      {shown && (
        <>
          <p>{`Copy the signing secret of ${shown.name} now: it is shown only this once. Verify each POST's webhook-signature with it.`}</p>
          <code class="set-secret" ref={code}>{shown.secret}</code>
          <div class="set-actions">
            <button type="button" onClick={copy}>Copy secret</button>
            <span class="set-hint" role="status">{copied}</span>
          </div>
        </>
      )}
    </div>
  );
}
