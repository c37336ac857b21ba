// Settings → Business hours: the company's time zone, weekly schedule, holidays, expected
// reply time and away message (GET/PUT /api/business-hours), and whether the AI answers off
// hours (the AI settings' answer_off_hours). The widget shows "Online" only within these
// hours with an agent online (docs/protocol.md, availability).
import { request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { Failure } from "./Failure.js";
import { HoursForm } from "./HoursForm.js";

const read = () => Promise.all([request("GET", "/api/business-hours"), request("GET", "/api/ai-settings")]);

export function HoursTab({ load, settled }) {
  const [got] = useLoaded(read, load, settled);
  if (!got) return null;
  const [hours, ai] = got.data;
  if (!hours.ok || !ai.ok) return <Failure result={hours.ok ? ai : hours} />;
  return (
    <>
      <h3 tabIndex={-1}>Business hours</h3>
      <HoursForm key={got.n} hours={hours.body} ai={ai.body} />
    </>
  );
}
