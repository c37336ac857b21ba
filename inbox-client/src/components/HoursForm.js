// The business-hours form (HoursTab): its values and bodies are hours-state.js's.
import { useRef } from "preact/hooks";
import { request } from "../http.js";
import { DAYS, hoursBody, hoursValues, offHoursBody } from "../hours-state.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { SaveForm } from "./SaveForm.js";

const ZONES = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

/** `hours` from GET /api/business-hours, `ai` from GET /api/ai-settings. */
export function HoursForm({ hours, ai }) {
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const [values, bind, setValues] = useValues(() => hoursValues(hours, ai, browserZone));
  const aiNow = useRef(ai); // what the AI settings are since the last save
  const day = (key) => ({ value: values.days[key],
    onValue: (v) => setValues((s) => ({ ...s, days: { ...s.days, [key]: v } })) });
  const save = async () => {
    const read = hoursBody(values);
    if (read.error) return { ok: false, code: "bad_request", message: read.error };
    const saved = await request("PUT", "/api/business-hours", read.body);
    const change = offHoursBody(aiNow.current, values.offHours);
    if (!saved.ok || !change) return saved;
    const aiSaved = await request("PUT", "/api/ai-settings", change);
    if (aiSaved.ok) aiNow.current = aiSaved.body;
    return aiSaved;
  };
  return (
    <>
      <datalist id="set-hours-zones">
        {(ZONES.length ? ZONES : [values.timezone]).map((name) => <option key={name} value={name} />)}
      </datalist>
      <SaveForm name="Business hours" save={save}>
        <Field label="Time zone" {...bind("timezone")} required maxLength={64} list="set-hours-zones"
          hint="An IANA name, such as Europe/Madrid or America/New_York." />
        <fieldset class="set-days">
          <legend>Weekly schedule</legend>
          {DAYS.map(([key, name]) => (
            <Field key={key} label={name} {...day(key)} placeholder="Closed" data-day={key}
              hint={key === "mon" ? "Open hours as 09:00-17:00; several with commas; empty: closed all day." : undefined} />
          ))}
        </fieldset>
        <Field label="Holidays (one date a line, YYYY-MM-DD)" kind="textarea" {...bind("holidays")} rows={3} />
        <Field label="We usually reply within (minutes)" kind="number" {...bind("replyMinutes")} min={1} max={10080} />
        <Field label="…or say it in words (instead of minutes)" {...bind("replyText")} maxLength={200} placeholder="a few hours" />
        <Field label="Away message (when nobody is there)" kind="textarea" {...bind("away")} maxLength={500}
          hint="Shown with the email ask. Empty: the widget's own words." />
        <Field label="The AI answers outside business hours" kind="checkbox" {...bind("offHours")} />
      </SaveForm>
    </>
  );
}
