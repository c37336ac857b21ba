// A new API key, this once (ApiKeysTab): the hub keeps only its hash, so it can never be
// shown again. The copy button uses the clipboard, else selects the key for Ctrl+C.
import { useRef, useState } from "preact/hooks";

/** `shown` is POST /api/api-keys's answer, or null (the box stays, hidden, as a live region). */
export function NewKey({ shown }) {
  const code = useRef(null);
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown.key);
      setCopied("Copied.");
    } catch {
      getSelection().selectAllChildren(code.current); // no clipboard access: select it
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  return (
    <div class="set-once" hidden={!shown} aria-live="polite" data-key-id={shown?.api_key.id}>
      {shown && (
        <>
          <p>{`Copy “${shown.api_key.name}” now: it is shown only this once, and the hub cannot show it again.`}</p>
          <code class="set-secret" ref={code}>{shown.key}</code>
          <div class="set-actions">
            <button type="button" onClick={copy}>Copy key</button>
            <span class="set-hint" role="status">{copied}</span>
          </div>
        </>
      )}
    </div>
  );
}
