// A conversation's priority as a small badge in the list (none shows nothing).
import { priorityText } from "../labels-state.js";

export function PriorityBadge({ priority }) {
  if (!priority || priority === "none") return null;
  return <span class="priority" data-priority={priority} title="Priority">{priorityText(priority)}</span>;
}
