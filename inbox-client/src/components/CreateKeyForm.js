// The "Create a key" form (ApiKeysTab): a name and a role; `created(body)` gets the new key.
import { request } from "../http.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

const ROLES = [["agent", "Agent"], ["owner", "Owner"]];

export function CreateKeyForm({ created }) {
  const [values, bind] = useValues({ name: "", role: "agent" });
  const save = async () => {
    const result = await request("POST", "/api/api-keys", { name: values.name.trim(), role: values.role });
    if (result.ok) await created(result.body);
    return result;
  };
  return (
    <SaveForm name="Create an API key" save={save} submit="Create key" done={(r) => `Created “${r.body.api_key.name}”.`}>
      <Field label="Key name" {...bind("name")} required maxLength={100} placeholder="e.g. CRM sync" />
      <Field label="Role" kind="select" {...bind("role")} options={ROLES} hint="An owner key may change settings too." />
    </SaveForm>
  );
}
