// The agent's saved views (issue 21): each a named filter with its count, counted live from the
// conversations held (views-state.js), so it moves with every frame. Select one to show it;
// save the list's current filter under a name; rename or delete one. Private to the agent.
import { useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { countView, currentFilter, showing } from "../views-state.js";

function Rename({ view, done }) {
  const { actions } = useInbox();
  const [name, setName] = useState(view.name);
  const submit = async (e) => {
    e.preventDefault();
    if (await actions.renameView(view.id, name)) done();
  };
  return (
    <form class="view-rename" onSubmit={submit}>
      <input aria-label={`New name for ${view.name}`} value={name} maxLength={100} required onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit">Save</button>
      <button type="button" onClick={done}>Cancel</button>
    </form>
  );
}

function ViewRow({ view, count, pressed }) {
  const { actions } = useInbox();
  const [renaming, setRenaming] = useState(false);
  if (renaming) return <li data-view-id={view.id}><Rename view={view} done={() => setRenaming(false)} /></li>;
  return (
    <li data-view-id={view.id}>
      <button type="button" class="view-pick" aria-pressed={String(pressed)} onClick={() => actions.applyView(view)}>
        {view.name} <span data-count>{String(count)}</span>
      </button>
      <button type="button" class="view-act" aria-label={`Rename ${view.name}`} onClick={() => setRenaming(true)}>Rename</button>
      <button type="button" class="view-act" aria-label={`Delete ${view.name}`}
        onClick={() => confirm(`Delete the view "${view.name}"?`) && actions.deleteView(view.id)}>Delete</button>
    </li>
  );
}

export function SavedViews() {
  const { store, actions } = useInbox();
  const views = useStore(store, (s) => s.views);
  const convs = useStore(store, (s) => s.convs);
  const me = useStore(store, (s) => s.me);
  const view = useStore(store, (s) => s.view);
  const status = useStore(store, (s) => s.status);
  const team = useStore(store, (s) => s.team);
  const list = { view, status, team };
  const hidden = useStore(store, (s) => s.searching || s.pane !== "conversations");
  const [name, setName] = useState("");
  const save = async (e) => {
    e.preventDefault();
    if (await actions.saveView(name, currentFilter(list))) setName("");
  };
  return (
    <section id="saved-views" class="saved-views" aria-labelledby="saved-views-title" hidden={hidden}>
      <h3 id="saved-views-title">Saved views</h3>
      <ul>
        {views.map((v) => <ViewRow key={v.id} view={v} count={countView(convs, v, me)} pressed={showing(list, v)} />)}
      </ul>
      <form class="view-save" onSubmit={save}>
        <input id="view-name" aria-label="Name for the current filter" placeholder="Save this filter as…" value={name}
          maxLength={100} required onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">Save view</button>
      </form>
    </section>
  );
}
