// Settings → Integrations: one form per channel provider (IntegrationForm), each read from
// GET /api/integrations/{provider}; a provider that cannot be read says why in its place.
import { explain, request } from "../http.js";
import { PROVIDERS } from "../settings-forms.js";
import { useLoaded } from "../use-loaded.js";
import { IntegrationForm } from "./IntegrationForm.js";

const NAMES = Object.keys(PROVIDERS);
const read = () => Promise.all(NAMES.map((p) => request("GET", `/api/integrations/${p}`)));

export function IntegrationsTab({ load, settled }) {
  const [got] = useLoaded(read, load, settled);
  if (!got) return null;
  return (
    <>
      <h3 tabIndex={-1}>Integrations</h3>
      <p class="set-hint">Secrets are stored encrypted and never shown again: enter them each time you save.</p>
      {NAMES.map((p, i) => (got.data[i].ok
        ? <IntegrationForm key={`${p}:${got.n}`} provider={p} view={got.data[i].body} />
        : <p key={p} role="alert">{explain(got.data[i])}</p>))}
    </>
  );
}
