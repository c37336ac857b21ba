// The walkthrough's widget step: the embed snippet with its key, and a live preview of the
// widget (the hub's /preview page in a frame: it counts no visit, so only a page of the
// company's own site ticks the step).
import { widgetWait } from "../onboarding-state.js";
import { CopyBox } from "./CopyBox.js";

export function OnboardingWidget({ item, data }) {
  const widget = data?.widget;
  const wait = widgetWait(item);
  return (
    <div>
      <p>{"Paste this tag into every page of your site, just before </body>. The chat button appears in the corner."}</p>
      <CopyBox label="Embed snippet" multiline value={widget?.snippet} />
      <CopyBox label="Widget key" value={widget?.key} />
      <p class="ob-wait" role="status" data-state={wait.state}>{wait.text}</p>
      <h4>Preview</h4>
      <p class="set-hint">Your widget as visitors see it. Messages sent here reach your inbox like any visitor's.</p>
      <iframe class="ob-preview" title="Widget preview" loading="lazy" src={widget?.preview_url} />
    </div>
  );
}
