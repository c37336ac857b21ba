// Settings → Webhooks: an owner's outgoing webhook endpoints (docs/protocol.md, "Outgoing
// webhooks"). Each is a WebhookRow; a new endpoint's or a rotated signing secret is shown
// once (WebhookSecret). A `webhook.paused` frame reads the tab again (settings.js).
import { request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { Failure } from "./Failure.js";
import { WebhookForm } from "./WebhookForm.js";
import { WebhookRow } from "./WebhookRow.js";
import { WebhookSecret } from "./WebhookSecret.js";

const read = () => request("GET", "/api/webhooks");

export function WebhooksTab({ load, settled }) {
  const [got, reload, say] = useLoaded(read, load, settled);
  if (!got) return null;
  if (!got.data.ok) return <Failure result={got.data} />;
  const list = got.data.body.webhooks;
  const created = (body) => reload({
    note: `Added ${body.webhook.url}.`, shown: { name: body.webhook.description || body.webhook.url, secret: body.secret },
  });
  return (
    <>
      <h3 tabIndex={-1}>Webhooks</h3>
      <p class="set-hint">The hub POSTs each chosen event to your endpoints, signed (Standard Webhooks), retried for a day, in order per conversation.</p>
      <p class="set-status" role="status">{got.note}</p>
      <WebhookSecret key={got.n} shown={got.shown} />
      <ul class="wh-list" aria-label="Webhook endpoints">
        {list.map((endpoint) => <WebhookRow key={endpoint.id} endpoint={endpoint} n={got.n} changed={reload} say={say} />)}
      </ul>
      {!list.length && <p class="set-empty">No endpoints yet.</p>}
      <h4>Add an endpoint</h4>
      <WebhookForm key={got.n} created={created} />
    </>
  );
}
