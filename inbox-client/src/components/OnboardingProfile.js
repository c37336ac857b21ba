// The walkthrough's company profile step: name, website, description, read once from
// GET /api/company (never over what the owner has started typing) and saved with the rest kept.
import { useEffect, useRef, useState } from "preact/hooks";
import { request } from "../http.js";
import { profileChange, saveCompany } from "../onboarding-forms.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

export function OnboardingProfile({ refresh }) {
  const [values, setValues] = useState({ name: "", website: "", description: "" });
  const typed = useRef(false);
  useEffect(() => {
    let live = true;
    request("GET", "/api/company").then((got) => {
      if (!live || !got.ok || typed.current) return;
      const c = got.body;
      setValues({ name: c.name || "", website: c.website || "", description: c.description || "" });
    });
    return () => { live = false; };
  }, []);
  const edit = (key) => (value) => { typed.current = true; setValues((v) => ({ ...v, [key]: value })); };
  const save = async () => {
    const result = await saveCompany(profileChange(values));
    if (result.ok) await refresh();
    return result;
  };
  return (
    <div>
      <p>Your company's name and a website or a description.</p>
      <SaveForm name="Company profile" save={save}>
        <Field label="Company name" value={values.name} onValue={edit("name")} required maxLength={200} />
        <Field label="Website" kind="url" value={values.website} onValue={edit("website")}
          maxLength={500} placeholder="https://…" />
        <Field label="What the company does" kind="textarea" value={values.description}
          onValue={edit("description")} maxLength={5000} rows={3} hint="The AI introduces the company with this." />
      </SaveForm>
    </div>
  );
}
