// One step's panel (a named region, hidden unless it is the step shown): its heading, focused
// when the owner picked it from the checklist, and the step's own body.
import { useLayoutEffect, useRef } from "preact/hooks";
import { OnboardingChannel } from "./OnboardingChannel.js";
import { OnboardingKnowledge } from "./OnboardingKnowledge.js";
import { OnboardingProfile } from "./OnboardingProfile.js";
import { OnboardingTeam } from "./OnboardingTeam.js";
import { OnboardingWidget } from "./OnboardingWidget.js";

const BODIES = {
  profile: OnboardingProfile,
  widget: OnboardingWidget,
  sms: (props) => <OnboardingChannel channel="sms" {...props} />,
  whatsapp: (props) => <OnboardingChannel channel="whatsapp" {...props} />,
  knowledge: OnboardingKnowledge,
  team: OnboardingTeam,
};

export function OnboardingStep({ step, shown, item, data, focus, refresh }) {
  const heading = useRef(null);
  // A pick from the checklist moves the keyboard to the step (once it is shown).
  useLayoutEffect(() => {
    if (focus?.id === step.id) heading.current?.focus();
  }, [focus]);
  const Body = BODIES[step.id];
  return (
    <section id={`ob-step-${step.id}`} class="ob-step" hidden={!shown} aria-label={step.label} data-step={step.id}>
      <h3 tabIndex={-1} ref={heading}>{step.label}</h3>
      <Body item={item} data={data} refresh={refresh} />
    </section>
  );
}
