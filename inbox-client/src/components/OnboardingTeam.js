// The walkthrough's "Invite your team" step: the Team tab's invitations (single-use,
// expiring; mailed, or the link shown this once: only its hash is kept).
import { useState } from "preact/hooks";
import { invitationNote, invite } from "../onboarding-forms.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

const ROLES = [["agent", "Agent"], ["owner", "Owner"]];

export function OnboardingTeam({ refresh }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("agent");
  const [note, setNote] = useState(null);
  const save = async () => {
    const result = await invite(email, role);
    if (result.ok) { setNote(invitationNote(result.body)); setEmail(""); await refresh(); }
    return result;
  };
  return (
    <div>
      <p>Invite the people who answer customers with you.</p>
      <SaveForm name="Invite a teammate" submit="Invite" done={(r) => `Invited ${r.body.invitation.email}.`}
        save={save}>
        <Field label="Email" kind="email" value={email} onValue={setEmail} required maxLength={320} />
        <Field label="Role" kind="select" value={role} onValue={setRole} options={ROLES} />
      </SaveForm>
      <div class="set-once" hidden={!note} aria-live="polite">
        {note && <p>{note.text}</p>}
        {note?.link && <code class="set-secret">{note.link}</code>}
      </div>
    </div>
  );
}
