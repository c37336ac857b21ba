// The widget's identity-verification secret: created or rotated here (after a confirmation)
// and shown once, never read back (POST /api/widget-settings/secret).
import { useState } from "preact/hooks";
import { explain, request } from "../http.js";

/** `on`: whether the company has a secret already. */
export function IdentitySecret({ on: had }) {
  const [on, setOn] = useState(had);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState(null); // {secret} this once, or {error}
  const make = async () => {
    if (on && !confirm("Rotate the secret? Pages signing with the old one stop verifying users.")) return;
    setBusy(true);
    const result = await request("POST", "/api/widget-settings/secret");
    setBusy(false);
    if (!result.ok) { setShown({ error: explain(result) }); return; }
    setOn(true);
    setShown({ secret: result.body.secret });
  };
  return (
    <>
      <h4>Identity verification</h4>
      <p data-secret={on ? "set" : "unset"}>{on ? "Identity verification is on." : "Identity verification is off."}</p>
      <p class="set-hint">Your server signs each signed-in user's id with this secret (HMAC-SHA256) as data-user-hash.</p>
      <button type="button" disabled={busy} onClick={make}>{on ? "Rotate secret" : "Create secret"}</button>
      <div class="set-once" hidden={!shown} aria-live="polite">
        {shown?.error && <p role="alert">{shown.error}</p>}
        {shown?.secret && (
          <><p>Copy it now: it is shown only this once.</p><code class="set-secret">{shown.secret}</code></>
        )}
      </div>
    </>
  );
}
