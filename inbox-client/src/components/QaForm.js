// A question and its answer (QaTab's "Add a pair", QaRow's edit): `send(body)` saves them.
import { qaBody } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

/** `pair` fills the fields (editing); `before` goes ahead of the submit button. */
export function QaForm({ name, pair, send, submit, done, before }) {
  const [values, bind] = useValues({ question: pair?.question || "", answer: pair?.answer || "" });
  return (
    <SaveForm name={name} save={() => send(qaBody(values))} submit={submit} done={done} before={before}>
      <Field label="Question" {...bind("question")} required maxLength={2000} />
      <Field label="Answer" kind="textarea" {...bind("answer")} required maxLength={5000} />
    </SaveForm>
  );
}
