// One provider's credentials (IntegrationsTab): what is configured, with the secrets masked,
// and a form that saves them all (PUT /api/integrations/{provider}). A secret input starts
// empty and is emptied after every save: the page never holds a saved secret.
import { useState } from "preact/hooks";
import { request } from "../http.js";
import { integrationBody, integrationSummary, integrationValues, PROVIDERS } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

/** `provider` is a key of PROVIDERS; `view` its masked GET body. */
export function IntegrationForm({ provider, view: read }) {
  const spec = PROVIDERS[provider];
  const [view, setView] = useState(read);
  const [values, bind, setValues] = useValues(() => integrationValues(spec, read));
  const save = async () => {
    const result = await request("PUT", `/api/integrations/${provider}`, integrationBody(spec, values));
    if (result.ok) setView(result.body);
    const fresh = integrationValues(spec, result.ok ? result.body : view);
    setValues((s) => ({ ...s, ...Object.fromEntries(spec.fields.filter(([, , secret]) => secret || result.ok)
      .map(([name]) => [name, fresh[name]])) }));
    return result;
  };
  return (
    <>
      <h4>{spec.title}</h4>
      <p class="set-integration-state" data-configured={view.configured ? "true" : "false"}>
        {integrationSummary(spec, view)}
      </p>
      <SaveForm name={`${spec.title} settings`} save={save} submit={`Save ${spec.title}`}>
        {spec.fields.map(([name, label, secret]) => (
          <Field key={name} label={label} kind={secret ? "password" : "text"} {...bind(name)} name={name}
            required maxLength={200} autocomplete={secret ? "new-password" : "off"} />
        ))}
      </SaveForm>
    </>
  );
}
