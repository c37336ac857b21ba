// Settings → AI: whether the AI answers, what for, its instructions, model, temperature and
// longest reply (PUT /api/ai-settings; whether it answers off hours is Business hours').
import { request } from "../http.js";
import { aiBody, aiValues, USE_CASES } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

/** `view` is GET /api/ai-settings's body. */
export function AiForm({ view }) {
  const [values, bind] = useValues(() => aiValues(view));
  const save = () => request("PUT", "/api/ai-settings", aiBody(values, view.answer_off_hours));
  return (
    <SaveForm name="AI settings" save={save}>
      <Field label="The AI answers visitors and contacts" kind="checkbox" {...bind("enabled")} />
      <Field label="What the AI is for" kind="select" {...bind("useCase")} options={USE_CASES} />
      <Field label="Instructions (tone, goals, what to avoid)" kind="textarea" {...bind("instructions")}
        maxLength={5000} rows={5} />
      <Field label="Model" {...bind("model")} required maxLength={100} />
      <Field label="Temperature (0 precise to 2 creative)" kind="number" {...bind("temperature")}
        min={0} max={2} step={0.1} required />
      <Field label="Longest reply (tokens)" kind="number" {...bind("maxTokens")} min={16} max={4096} required />
    </SaveForm>
  );
}
