// Settings → Labels (owners): the company's labels, each renamed, recoloured, described or
// deleted in place, and a form adding one. Agents put them on conversations (LabelPicker);
// deleting one takes it off every conversation and contact.
import { explain, request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { ActionButton } from "./ActionButton.js";
import { Failure } from "./Failure.js";
import { LabelForm } from "./LabelForm.js";

const read = () => request("GET", "/api/labels");
const path = (label) => `/api/labels/${encodeURIComponent(label.id)}`;

export function LabelsTab({ load, settled }) {
  const [got, reload, say] = useLoaded(read, load, settled);
  if (!got) return null;
  if (!got.data.ok) return <Failure result={got.data} />;
  const labels = got.data.body.labels;
  const after = (note) => async (body, method, url) => {
    const result = await request(method, url, body);
    if (result.ok) await reload({ note });
    return result;
  };
  return (
    <>
      <h3 tabIndex={-1}>Labels</h3>
      <p class="set-hint">Agents put labels on conversations and contacts, then filter and search by them (“label:billing”).</p>
      <p class="set-status" role="status">{got.note}</p>
      <ul class="set-list" aria-label="Labels">
        {labels.map((label) => (
          <li key={`${label.id}:${got.n}`} class="set-row" data-label-id={label.id}>
            <LabelForm label={label} name={`Edit label ${label.name}`} submit="Save"
              send={(body) => after(`Saved “${body.name}”.`)(body, "PATCH", path(label))} />
            <ActionButton text="Delete" label={`Delete label ${label.name}`} danger
              ask={`Delete the label “${label.name}”? It is taken off every conversation and contact.`}
              run={() => request("DELETE", path(label))}
              then={(r) => (r.ok ? reload({ note: `Deleted “${label.name}”.` }) : say(explain(r)))} />
          </li>
        ))}
        {!labels.length && <li class="set-empty">No labels yet.</li>}
      </ul>
      <h4>Add a label</h4>
      <LabelForm key={got.n} name="Add a label" submit="Add label"
        send={(body) => after(`Added “${body.name}”.`)(body, "POST", "/api/labels")} />
    </>
  );
}
