// Settings → API keys: an owner's named keys for scripts and the documented API
// (docs/protocol.md, "API keys"). A new key is shown once (NewKey); the list never holds a
// key, only its first characters; revoking asks first and takes effect at once.
import { explain, request } from "../http.js";
import { createdBy, when } from "../settings-forms.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { CreateKeyForm } from "./CreateKeyForm.js";
import { Failure } from "./Failure.js";
import { NewKey } from "./NewKey.js";
import { SettingsTable } from "./SettingsTable.js";

const read = () => Promise.all([request("GET", "/api/api-keys"), request("GET", "/api/agents/me")]);
const COLUMNS = ["Name", "Key", "Role", "Created", "Last used", "Created by", ""];

export function ApiKeysTab({ load, settled }) {
  const [got, reload, say] = useLoaded(read, load, settled);
  if (!got) return null;
  const [keys, me] = got.data;
  if (!keys.ok) return <Failure result={keys} />;
  const created = (body) => reload({ note: `Created “${body.api_key.name}”.`, shown: body });
  const revoked = (key) => (result) => (result.ok ? reload({ note: `Revoked “${key.name}”.` }) : say(explain(result)));
  return (
    <>
      <h3 tabIndex={-1}>API keys</h3>
      <p class="set-hint">Scripts send a key as “Authorization: Bearer lok_…”. It acts as you, with the role you give it.</p>
      <p class="set-status" role="status">{got.note}</p>
      <SettingsTable caption="API keys" columns={COLUMNS}>
        {keys.body.api_keys.map((key) => (
          <tr key={key.id} data-key-id={key.id}>
            <td>{key.name}</td><td><code>{`${key.prefix}…`}</code></td><td>{key.role}</td>
            <td>{when(key.created_at)}</td><td>{when(key.last_used_at)}</td><td>{createdBy(key, me.body?.id)}</td>
            <td>
              <ActionButton text="Revoke" label={`Revoke ${key.name}`} danger
                ask={`Revoke “${key.name}”? Scripts using it stop working at once.`}
                run={() => request("DELETE", `/api/api-keys/${encodeURIComponent(key.id)}`)} then={revoked(key)} />
            </td>
          </tr>
        ))}
        {!keys.body.api_keys.length && <tr><td colSpan={7} class="set-empty">No API keys yet.</td></tr>}
      </SettingsTable>
      <h4>Create a key</h4>
      <CreateKeyForm key={got.n} created={created} />
      <NewKey key={got.n} shown={got.shown} />
    </>
  );
}
