// The open conversation's priority, in its workflow: acts once a value is chosen (select.js).
import { useInbox } from "../context.js";
import { useChosen } from "../use-chosen.js";
import { PRIORITIES } from "../labels-state.js";

export function PrioritySelect({ conv }) {
  const { actions } = useInbox();
  const chosen = useChosen((value) => actions.setPriority(value));
  return (
    <>
      <label for="priority" class="sr-only">Priority</label>
      <select id="priority" ref={chosen} value={conv?.priority || "none"}>
        {PRIORITIES.map(([key, text]) => <option key={key} value={key}>{text}</option>)}
      </select>
    </>
  );
}
