// "Get started": the walkthrough's head (progress, dismiss, back), its error line, the
// checklist and the one step shown beside it. State and actions come from onboarding.js.
import { useStore } from "../use-store.js";
import { STEPS, dismissLabel, itemOf, progressText } from "../onboarding-state.js";
import { OnboardingChecklist } from "./OnboardingChecklist.js";
import { OnboardingStep } from "./OnboardingStep.js";

/** `store`: {data, current, error, focus}; `actions`: {refresh, close, select, dismiss}. */
export function Onboarding({ store, actions }) {
  const { data, current, error, focus } = useStore(store);
  return (
    <>
      <div class="ob-head">
        <div>
          <h2 id="onboarding-title" tabIndex={-1}>Get started</h2>
          <p class="ob-progress" role="status">{progressText(data)}</p>
        </div>
        <div class="ob-actions">
          <button type="button" class="ob-dismiss" onClick={actions.dismiss}>{dismissLabel(data)}</button>
          <button type="button" onClick={actions.close}>← Back to inbox</button>
        </div>
      </div>
      <p class="ob-status" role="alert">{error}</p>
      <div class="ob-body">
        <OnboardingChecklist data={data} current={current} onPick={(id) => actions.select(id, true)} />
        <div class="ob-stage">
          {STEPS.map((step) => (
            <OnboardingStep key={step.id} step={step} shown={step.id === current} item={itemOf(data, step.id)}
              data={data} focus={focus} refresh={actions.refresh} />
          ))}
        </div>
      </div>
    </>
  );
}
