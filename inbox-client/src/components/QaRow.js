// One Q&A pair in the list (QaTab): shown with Edit and Delete, or edited in place.
// Edit moves the keyboard into the question; Cancel brings it back to Edit.
import { useEffect, useRef, useState } from "preact/hooks";
import { explain, request } from "../http.js";
import { ActionButton } from "./ActionButton.js";
import { QaForm } from "./QaForm.js";

/** `changed(note)` re-reads the list and says `note`; `failed(words)` only says them. */
export function QaRow({ pair, changed, failed }) {
  const [editing, setEditing] = useState(false);
  const row = useRef(null);
  const moved = useRef(false);
  useEffect(() => {
    if (editing) row.current.querySelector("input").focus();
    else if (moved.current) row.current.querySelector("button").focus(); // Edit
    moved.current = true;
  }, [editing]);
  const path = `/api/qa/${encodeURIComponent(pair.id)}`;
  const save = async (body) => {
    const result = await request("PUT", path, body);
    if (result.ok) await changed("Pair saved.");
    return result;
  };
  return (
    <li class="set-row" data-pair-id={pair.id} ref={row}>
      {editing ? (
        <QaForm name={`Edit “${pair.question}”`} pair={pair} send={save}
          before={<button type="button" onClick={() => setEditing(false)}>Cancel</button>} />
      ) : (
        <>
          <div><strong>{pair.question}</strong><p>{pair.answer}</p></div>
          <div class="set-row-actions">
            <button type="button" aria-label={`Edit “${pair.question}”`} onClick={() => setEditing(true)}>Edit</button>
            <ActionButton text="Delete" label={`Delete “${pair.question}”`} danger
              ask={`Delete the Q&A pair “${pair.question}”?`} run={() => request("DELETE", path)}
              then={(r) => (r.ok ? changed("Pair deleted.") : failed(explain(r)))} />
          </div>
        </>
      )}
    </li>
  );
}
