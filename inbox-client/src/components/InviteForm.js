// The "Invite a teammate" form (TeamTab): an email and a role; `sent(body, address)` gets
// POST /api/invitations's answer.
import { request } from "../http.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

const ROLES = [["agent", "Agent"], ["owner", "Owner"]];

export function InviteForm({ sent }) {
  const [values, bind] = useValues({ email: "", role: "agent" });
  const save = async () => {
    const address = values.email.trim();
    const result = await request("POST", "/api/invitations", { email: address, role: values.role });
    if (result.ok) await sent(result.body, address);
    return result;
  };
  return (
    <SaveForm name="Invite a teammate" save={save} submit="Invite" done={(r) => `Invited ${r.body.invitation.email}.`}>
      <Field label="Email" kind="email" {...bind("email")} required maxLength={320} autocomplete="off" />
      <Field label="Role" kind="select" {...bind("role")} options={ROLES} />
    </SaveForm>
  );
}
