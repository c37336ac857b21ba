// Settings → Profile & facts: the company's name, site, description, the facts the AI may
// use, the sites allowed to embed the widget, and how long messages are kept (PUT /api/company).
import { request } from "../http.js";
import { profileBody, profileValues } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

/** `view` is GET /api/company's body. */
export function ProfileForm({ view }) {
  const [values, bind] = useValues(() => profileValues(view));
  return (
    <SaveForm name="Profile and facts" save={() => request("PUT", "/api/company", profileBody(values))}>
      <Field label="Company name" {...bind("name")} required maxLength={200} />
      <Field label="Website" kind="url" {...bind("website")} maxLength={500} placeholder="https://…" />
      <Field label="Description" kind="textarea" {...bind("description")} maxLength={5000} rows={4} />
      <Field label="Facts the AI may use (one per line)" kind="textarea" {...bind("facts")} rows={6} />
      <Field label="Sites allowed to embed the widget (one origin per line; none: any)" kind="textarea"
        {...bind("origins")} rows={3} placeholder="https://www.example.com" />
      <Field label="Delete messages older than (days; empty keeps everything)" kind="number"
        {...bind("retention")} min={1} max={36500} />
    </SaveForm>
  );
}
