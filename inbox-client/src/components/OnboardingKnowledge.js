// The walkthrough's "Teach the AI" step: how many facts and Q&A pairs so far, and a form for
// one more of each (Settings has them all).
import { useState } from "preact/hooks";
import { knowledgeCount } from "../onboarding-state.js";
import { addFact, addPair } from "../onboarding-forms.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

export function OnboardingKnowledge({ item, refresh }) {
  const [fact, setFact] = useState("");
  const [question, setQuestion] = useState("");
  const [answer, setAnswer] = useState("");
  const saveFact = async () => {
    const result = await addFact(fact);
    if (result.ok) { setFact(""); await refresh(); }
    return result;
  };
  const savePair = async () => {
    const result = await addPair(question, answer);
    if (result.ok) { setQuestion(""); setAnswer(""); await refresh(); }
    return result;
  };
  return (
    <div>
      <p>The AI answers visitors from your facts and Q&A pairs. Add a few to start; Settings has them all.</p>
      <p class="ob-count" role="status">{knowledgeCount(item)}</p>
      <h4>Facts</h4>
      <SaveForm name="Add a fact" submit="Add fact" done="Fact added." save={saveFact}>
        <Field label="A fact the AI may use" value={fact} onValue={setFact} required maxLength={500}
          placeholder="Open Monday to Friday, 9:00 to 17:00" />
      </SaveForm>
      <h4>Q&A pairs</h4>
      <SaveForm name="Add a Q&A pair" submit="Add pair" done="Pair added." save={savePair}>
        <Field label="Question" value={question} onValue={setQuestion} required maxLength={2000}
          placeholder="Do you install on flat roofs?" />
        <Field label="Answer" kind="textarea" value={answer} onValue={setAnswer} required
          maxLength={5000} rows={2} />
      </SaveForm>
    </div>
  );
}
