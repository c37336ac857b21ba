// The events an endpoint subscribes to (WebhooksTab): one group of checkboxes per kind of
// event (webhooks-state.js EVENT_GROUPS); `onEvents(list)` gets the new selection.
import { EVENT_GROUPS, toggleEvent } from "../webhooks-state.js";

/** `name` labels the whole picker (e.g. "Events for https://…"). */
export function EventPicker({ name, events, onEvents }) {
  return (
    <div class="wh-events" role="group" aria-label={name}>
      {EVENT_GROUPS.map(([title, types]) => (
        <fieldset key={title} class="wh-group">
          <legend>{title}</legend>
          {types.map(([type, words]) => (
            <label key={type} class="set-check">
              <input type="checkbox" value={type} checked={events.includes(type)}
                onChange={(e) => onEvents(toggleEvent(events, type, e.currentTarget.checked))} />
              <span>{words} <code>{type}</code></span>
            </label>
          ))}
        </fieldset>
      ))}
    </div>
  );
}
