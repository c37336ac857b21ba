// The walkthrough's checklist: one button a step, its mark, its state for screen readers, and
// "optional" beside the optional ones; the shown step is aria-current="step".
import { STEPS, itemOf, markOf, spokenState } from "../onboarding-state.js";

export function OnboardingChecklist({ data, current, onPick }) {
  return (
    <ol class="ob-checklist" aria-label="Checklist">
      {STEPS.map((step) => {
        const item = itemOf(data, step.id);
        return (
          <li key={step.id} data-step={step.id} data-done={item ? String(item.done) : undefined}>
            <button type="button" class="ob-pick" aria-current={step.id === current ? "step" : undefined}
              onClick={() => onPick(step.id)}>
              <span class="ob-mark">{markOf(item)}</span>
              <span>{step.label}</span>
              <span class="sr-only">{spokenState(item)}</span>
            </button>
            {step.optional && <span class="ob-optional">optional</span>}
          </li>
        );
      })}
    </ol>
  );
}
