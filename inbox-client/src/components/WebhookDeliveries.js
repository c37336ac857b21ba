// One endpoint's deliveries log (WebhookRow): newest first, 50 (GET …/deliveries); each row
// opens to its kept response and error, and may be sent again ("Redeliver").
import { useEffect, useRef } from "preact/hooks";
import { explain, request } from "../http.js";
import { when } from "../settings-forms.js";
import { useLoaded } from "../use-loaded.js";
import { clipped, deliveryWords, dueSoon, lastAttempt } from "../webhooks-state.js";
import { ActionButton } from "./ActionButton.js";
import { SettingsTable } from "./SettingsTable.js";

const COLUMNS = ["Event", "Status", "Attempts", "Last code", "Time", ""];
const FOLLOW_MS = 1500;
const PAGE = 50; // the hub's page of deliveries
const path = (id) => `/api/webhooks/${encodeURIComponent(id)}/deliveries`;

/** `load` changes to read again (a test event sent, a redelivery): the newest page. */
export function WebhookDeliveries({ endpoint, load }) {
  const before = useRef(null); // the page shown: null the newest, else older than this id
  const seen = useRef(load);
  if (seen.current !== load) { seen.current = load; before.current = null; } // before the read
  const read = () => request("GET", path(endpoint.id) + (before.current ? `?before=${encodeURIComponent(before.current)}` : ""));
  const [got, reload, say] = useLoaded(() => read(), load);
  const page = (id) => { before.current = id; reload({ note: "" }); };
  const due = got?.data.ok && dueSoon(got.data.body.deliveries, Date.now());
  useEffect(() => { // a delivery about to be tried: show how it went without a click
    if (!due) return undefined;
    const timer = setTimeout(() => reload({ note: got.note }), FOLLOW_MS);
    return () => clearTimeout(timer);
  }, [got]);
  if (!got) return <p class="set-hint">Reading deliveries…</p>;
  if (!got.data.ok) return <p class="set-status" data-kind="error">{explain(got.data)}</p>;
  const redelivered = (r) => (r.ok ? reload({ note: "Queued again." }) : say(explain(r)));
  const list = got.data.body.deliveries;
  return (
    <div class="wh-log">
      <div class="set-actions">
        <button type="button" onClick={() => page(null)}>Refresh log</button>
        {list.length === PAGE && <button type="button" onClick={() => page(list[PAGE - 1].id)}>Older deliveries</button>}
        <p class="set-status" role="status">{got.note}</p>
      </div>
      <SettingsTable caption={`Deliveries to ${endpoint.url}`} columns={COLUMNS}>
        {list.map((d) => <Delivery key={d.id} d={d} n={got.n} base={path(endpoint.id)} then={redelivered} />)}
        {!list.length && <tr><td colSpan={6} class="set-empty">No deliveries yet.</td></tr>}
      </SettingsTable>
    </div>
  );
}

/** One delivery's row; its last response (clipped) and error open from its time cell. Its
 * Redeliver button is a new one after each read of the log (`n`): it may be used again. */
function Delivery({ d, n, base, then }) {
  const last = lastAttempt(d);
  return (
    <tr data-delivery-id={d.id} data-status={d.status}>
      <td><code>{d.type}</code></td>
      <td>{deliveryWords(d)}</td><td>{d.attempts}</td><td>{last.code ?? "—"}</td>
      <td>
        {when(d.delivered_at || d.created_at)}
        {(last.response || last.error) && (
          <details class="wh-response">
            <summary>Response</summary>
            {last.error && <p>{last.error}</p>}
            {last.response && <pre>{clipped(last.response)}</pre>}
          </details>
        )}
      </td>
      <td>
        <ActionButton key={n} text="Redeliver" label={`Redeliver ${d.type}`}
          run={() => request("POST", `${base}/${encodeURIComponent(d.id)}/redeliver`)} then={then} />
      </td>
    </tr>
  );
}
