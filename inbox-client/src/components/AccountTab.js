// Settings → Account (every agent): sign out, sign out everywhere else, and the browsers
// signed in as this agent (device, address, last seen) with a Revoke for each.
// docs/protocol.md, "Accounts".
import { signOut, signOutOthers } from "../auth.js";
import { explain, request } from "../http.js";
import { deviceName } from "../settings-forms.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { Failure } from "./Failure.js";
import { SettingsTable } from "./SettingsTable.js";

const read = () => request("GET", "/api/sessions");
const seen = (s) => new Date(s.last_seen_at).toLocaleString();

export function AccountTab({ load, settled }) {
  const [got, reload] = useLoaded(read, load, settled);
  if (!got) return null;
  const heading = <h3 tabIndex={-1}>Account</h3>;
  if (!got.data.ok) return <>{heading}<Failure result={got.data} plain /></>;
  const sessions = got.data.body.sessions;
  const others = async () => ({ ok: await signOutOthers() });
  return (
    <>
      {heading}
      <p class="set-status" role="status">{got.note}</p>
      <div class="set-actions">
        <button type="button" onClick={() => signOut()}>Sign out</button>
        <ActionButton text="Sign out everywhere else" danger run={others} then={(r) =>
          reload({ note: r.ok ? "Signed out everywhere else." : "Could not sign out the other devices." })} />
      </div>
      <h4>Signed-in browsers</h4>
      <SettingsTable caption="Signed-in browsers" columns={["Device", "Address", "Last seen", ""]}>
        {sessions.map((s) => (
          <tr key={s.id} data-current={s.current ? "true" : undefined}>
            <td>{deviceName(s)}</td><td>{s.address || "—"}</td><td>{seen(s)}</td>
            <td>
              {s.current ? "This browser" : (
                <ActionButton text="Revoke" label={`Revoke ${deviceName(s)}, last seen ${seen(s)}`}
                  run={() => request("DELETE", `/api/sessions/${encodeURIComponent(s.id)}`)}
                  then={(r) => reload({ note: r.ok ? `Signed out ${deviceName(s)}.` : explain(r) })} />
              )}
            </td>
          </tr>
        ))}
      </SettingsTable>
      {!sessions.length && <p class="set-hint">Signed in with a token: no browser session to list.</p>}
    </>
  );
}
