// Settings → Inbox: round-robin assignment to online agents and its per-agent cap
// (PUT /api/inbox-settings).
import { request } from "../http.js";
import { inboxBody, inboxValues } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

/** `view` is GET /api/inbox-settings's body. */
export function InboxForm({ view }) {
  const [values, bind] = useValues(() => inboxValues(view));
  return (
    <SaveForm name="Inbox settings" save={() => request("PUT", "/api/inbox-settings", inboxBody(values))}>
      <Field label="Assign new conversations to online agents in turn" kind="checkbox" {...bind("autoAssign")} />
      <Field label="Most open conversations per agent" kind="number" {...bind("cap")} min={1} max={1000} required />
    </SaveForm>
  );
}
