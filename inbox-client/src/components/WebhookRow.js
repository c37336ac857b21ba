// One endpoint in Settings → Webhooks: its URL, events, state (with why it is paused) and
// since when it fails; pause or resume, edit its events, rotate its secret, send a test
// event, delete it, and open its deliveries log.
import { useState } from "preact/hooks";
import { explain, request } from "../http.js";
import { when } from "../settings-forms.js";
import { endpointProblem, stateLabel } from "../webhooks-state.js";
import { ActionButton } from "./ActionButton.js";
import { EventPicker } from "./EventPicker.js";
import { SaveForm } from "./SaveForm.js";
import { WebhookDeliveries } from "./WebhookDeliveries.js";

const refused = (message) => ({ ok: false, status: 400, code: "bad_request", message });

/** `changed(extra)` re-reads the list and shows `extra` ({note, shown}); `say(note)` only words.
 * `n` counts the list's reads: an action button that worked is a new one after the next read
 * (ActionButton stays disabled after a success, made for rows that go away). */
export function WebhookRow({ endpoint, n, changed, say }) {
  const [editing, setEditing] = useState(false);
  const [log, setLog] = useState(0); // 0: closed; else the log's load count
  const [tests, setTests] = useState(0); // test events sent from here
  const id = encodeURIComponent(endpoint.id);
  const name = endpoint.description || endpoint.url;
  const paused = endpoint.state === "paused";
  const then = (note, extra) => (r) => (r.ok ? changed({ note, ...extra?.(r) }) : say(explain(r)));
  const tested = (r) => {
    if (!r.ok) return say(explain(r));
    setTests((t) => t + 1);
    setLog((l) => l + 1);
    say(`Test event queued for ${name}.`);
  };
  return (
    <li class="wh-row" data-webhook-id={endpoint.id} data-state={endpoint.state}>
      <div class="wh-head">
        <code class="wh-url">{endpoint.url}</code>
        <span class="wh-state" data-state={endpoint.state}>{stateLabel(endpoint)}</span>
      </div>
      {endpoint.description && <p class="wh-desc">{endpoint.description}</p>}
      <p class="set-hint">{`Events: ${endpoint.events.join(", ")}`}</p>
      {endpoint.failing_since && <p class="set-hint wh-failing">{`Failing since ${when(endpoint.failing_since)}`}</p>}
      <div class="set-actions">
        <ActionButton key={`state-${n}`} text={paused ? "Resume" : "Pause"} label={`${paused ? "Resume" : "Pause"} ${name}`}
          run={() => request("PATCH", `/api/webhooks/${id}`, { state: paused ? "active" : "paused" })}
          then={then(`${name} ${paused ? "resumed" : "paused"}.`)} />
        <button type="button" aria-label={`Edit events of ${name}`} aria-expanded={editing} onClick={() => setEditing(!editing)}>Edit events</button>
        <ActionButton key={`test-${tests}`} text="Send test event" label={`Send a test event to ${name}`}
          run={() => request("POST", `/api/webhooks/${id}/test`)} then={tested} />
        <button type="button" aria-label={`Deliveries of ${name}`} aria-expanded={log > 0} onClick={() => setLog(log ? 0 : 1)}>Deliveries</button>
        <ActionButton key={`rotate-${n}`} text="Rotate secret" label={`Rotate the secret of ${name}`}
          ask={`Rotate the secret of ${name}? The old one stops working at once.`}
          run={() => request("POST", `/api/webhooks/${id}/rotate-secret`)}
          then={then(`New secret for ${name}.`, (r) => ({ shown: { name, secret: r.body.secret } }))} />
        <ActionButton text="Delete" label={`Delete ${name}`} danger
          ask={`Delete the endpoint ${name}? Its deliveries and their log go with it.`}
          run={() => request("DELETE", `/api/webhooks/${id}`)} then={then(`Deleted ${name}.`)} />
      </div>
      {editing && <EditEvents endpoint={endpoint} name={name} done={() => { setEditing(false); changed({ note: `${name}: events saved.` }); }} />}
      {log > 0 && <WebhookDeliveries endpoint={endpoint} load={log} />}
    </li>
  );
}

function EditEvents({ endpoint, name, done }) {
  const [events, setEvents] = useState(endpoint.events);
  const save = async () => {
    const problem = endpointProblem({ url: endpoint.url, events });
    if (problem) return refused(problem);
    const result = await request("PATCH", `/api/webhooks/${encodeURIComponent(endpoint.id)}`, { events });
    if (result.ok) done();
    return result;
  };
  return (
    <SaveForm name={`Events of ${name}`} save={save} submit="Save events">
      <EventPicker name={`Events for ${name}`} events={events} onEvents={setEvents} />
    </SaveForm>
  );
}
