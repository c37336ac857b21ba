// The list's label and priority filters: two selects beside whose and which status. The list
// keeps to them as it changes (labels-state.js), and the hub is asked for them too.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { PRIORITIES } from "../labels-state.js";

export function LabelFilter() {
  const { store, actions } = useInbox();
  const labels = useStore(store, (s) => s.labels);
  const filter = useStore(store, (s) => s.labelFilter);
  const set = (change) => actions.filterBy({ ...filter, ...change });
  return (
    <div id="label-filter" class="label-filter" role="group" aria-label="Label and priority">
      <label for="filter-label" class="sr-only">Filter by label</label>
      <select id="filter-label" value={filter.label} onFocus={actions.loadLabels} onChange={(e) => set({ label: e.currentTarget.value })}>
        <option value="">Any label</option>
        {labels.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
      </select>
      <label for="filter-priority" class="sr-only">Filter by priority</label>
      <select id="filter-priority" value={filter.priority} onChange={(e) => set({ priority: e.currentTarget.value })}>
        <option value="">Any priority</option>
        {PRIORITIES.map(([key, text]) => <option key={key} value={key}>{text}</option>)}
      </select>
    </div>
  );
}
