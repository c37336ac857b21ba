// Owners' list of canned responses: each with Delete, and a form adding one.
import { useRef } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";

export function CannedAdmin() {
  const { store, actions } = useInbox();
  const owner = useStore(store, (s) => s.role === "owner");
  const canned = useStore(store, (s) => s.canned);
  const shortcut = useRef(null);
  const text = useRef(null);
  const save = async (e) => {
    e.preventDefault();
    if (await actions.saveCanned({ shortcut: shortcut.current.value.trim(), text: text.current.value })) {
      shortcut.current.value = "";
      text.current.value = "";
    }
  };
  return (
    <details id="canned-admin" class="canned-admin" hidden={!owner}>
      <summary>Canned responses</summary>
      <ul id="canned-list" aria-label="Saved replies">
        {canned.map((r) => (
          <li key={r.id}>
            <strong>{`/${r.shortcut}`}</strong><span>{` ${r.text} `}</span>
            <button type="button" aria-label={`Delete /${r.shortcut}`} onClick={() => actions.deleteCanned(r.id)}>Delete</button>
          </li>
        ))}
      </ul>
      <form id="canned-form" onSubmit={save}>
        <label for="canned-shortcut">Shortcut</label>
        <input id="canned-shortcut" required maxLength={32} pattern="[A-Za-z0-9_\-]+" placeholder="hours" ref={shortcut} />
        <label for="canned-text">Text</label>
        <textarea id="canned-text" required maxLength={4000} rows={2} ref={text} />
        <button type="submit">Save response</button>
      </form>
    </details>
  );
}
