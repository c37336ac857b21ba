// The list's filters: whose (Mine, Unassigned, All) and which status, each with its count from
// inbox.counts, and by label and priority (LabelFilter). Hidden while a search or the Contacts pane shows.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";
import { countOf } from "../inbox-state.js";
import { LabelFilter } from "./LabelFilter.js";

const VIEWS = [["mine", "Mine"], ["unassigned", "Unassigned"], ["all", "All"]];
const STATUSES = [["open", "Open"], ["pending", "Pending"], ["snoozed", "Snoozed"], ["resolved", "Resolved"]];

function Choice({ data, pressed, count, onClick, children }) {
  return (
    <button type="button" {...data} aria-pressed={String(pressed)} onClick={onClick}>
      {children} <span data-count>{count == null ? "" : String(count)}</span>
    </button>
  );
}

export function Filters() {
  const { store, actions } = useInbox();
  const view = useStore(store, (s) => s.view);
  const status = useStore(store, (s) => s.status);
  const counts = useStore(store, (s) => s.counts);
  const me = useStore(store, (s) => s.me);
  const hidden = useStore(store, (s) => s.searching || s.pane !== "conversations");
  const count = (v, st) => countOf({ counts, me }, v, st);
  return (
    <div id="filters" class="filters" hidden={hidden}>
      <div id="views" class="segmented" role="group" aria-label="Whose">
        {VIEWS.map(([v, label]) => (
          <Choice data={{ "data-view": v }} pressed={v === view} count={count(v, status)} onClick={() => actions.choose(v, status)}>{label}</Choice>
        ))}
      </div>
      <div id="statuses" class="segmented" role="group" aria-label="Status">
        {STATUSES.map(([st, label]) => (
          <Choice data={{ "data-status": st }} pressed={st === status} count={count(view, st)} onClick={() => actions.choose(view, st)}>{label}</Choice>
        ))}
      </div>
      <LabelFilter />
    </div>
  );
}
