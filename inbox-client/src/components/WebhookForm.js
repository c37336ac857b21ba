// The "Add an endpoint" form (WebhooksTab): URL, description and events, checked here first
// (webhooks-state.js) and by the hub; `created(body)` gets POST /api/webhooks's answer.
import { request } from "../http.js";
import { useValues } from "../use-values.js";
import { endpointBody, endpointProblem } from "../webhooks-state.js";
import { EventPicker } from "./EventPicker.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

const refused = (message) => ({ ok: false, status: 400, code: "bad_request", message });

export function WebhookForm({ created }) {
  const [values, bind, set] = useValues({ url: "", description: "", events: [] });
  const save = async () => {
    const problem = endpointProblem(values);
    if (problem) return refused(problem);
    const result = await request("POST", "/api/webhooks", endpointBody(values));
    if (result.ok) await created(result.body);
    return result;
  };
  return (
    <SaveForm name="Add a webhook endpoint" save={save} submit="Add endpoint" done="Endpoint added.">
      <Field label="Endpoint URL" kind="url" {...bind("url")} required maxLength={2000} placeholder="https://example.com/leadop-hooks" />
      <Field label="Description" {...bind("description")} maxLength={200} placeholder="e.g. CRM sync" />
      <EventPicker name="Events to send" events={values.events} onEvents={(events) => set((s) => ({ ...s, events }))} />
    </SaveForm>
  );
}
