// Settings → Business hours: the company's time zone, weekly schedule, holidays, expected
// reply time and away message (GET/PUT /api/business-hours), and whether the AI answers off
// hours (the AI settings' answer_off_hours). The widget shows "Online" only within these
// hours with an agent online (docs/protocol.md, availability).
import { el, field, form, request, explain } from "./settings.js";

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"],
  ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];
const INTERVALS = /^\s*(\d\d:\d\d)\s*[-–]\s*(\d\d:\d\d)\s*$/;

/** "09:00-13:00, 15:00-18:00" for a day's intervals; "" when closed. */
const showDay = (intervals) => intervals.map(([a, b]) => `${a}-${b}`).join(", ");

/** A day's intervals from its text, or null when it does not read as HH:MM-HH:MM pairs. */
function readDay(text) {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  const out = [];
  for (const part of parts) {
    const m = INTERVALS.exec(part);
    if (!m) return null;
    out.push([m[1], m[2]]);
  }
  return out;
}

function zones(current) {
  const list = el("datalist", { id: "set-hours-zones" });
  const names = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [current];
  for (const name of names) list.append(el("option", { value: name }));
  return list;
}

export async function mountHours(panel) {
  const [got, ai] = await Promise.all([request("GET", "/api/business-hours"), request("GET", "/api/ai-settings")]);
  if (!got.ok || !ai.ok) {
    panel.replaceChildren(el("p", { className: "set-status", role: "alert", textContent: explain(got.ok ? ai : got) }));
    return;
  }
  const h = got.body;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const zone = field("Time zone", "text", { value: h.configured ? h.timezone : browserZone, required: true,
    maxLength: 64, hint: "An IANA name, such as Europe/Madrid or America/New_York." });
  zone.input.setAttribute("list", "set-hours-zones");
  const days = DAYS.map(([key, name]) => {
    const f = field(name, "text", { value: showDay(h.schedule[key] || []), placeholder: "Closed",
      hint: key === "mon" ? "Open hours as 09:00-17:00; several with commas; empty: closed all day." : undefined });
    f.input.dataset.day = key;
    return f;
  });
  const schedule = el("fieldset", { className: "set-days" }, el("legend", { textContent: "Weekly schedule" }), ...days.map((d) => d.wrap));
  const holidays = field("Holidays (one date a line, YYYY-MM-DD)", "textarea", { value: h.holidays.join("\n"), rows: 3 });
  const minutes = field("We usually reply within (minutes)", "number", { value: h.reply_minutes ?? "", min: 1, max: 10080 });
  const replyText = field("…or say it in words (instead of minutes)", "text", { value: h.reply_text || "", maxLength: 200,
    placeholder: "a few hours" });
  const away = field("Away message (when nobody is there)", "textarea", { value: h.away_message || "", maxLength: 500,
    hint: "Shown with the email ask. Empty: the widget's own words." });
  const offHours = field("The AI answers outside business hours", "checkbox", { checked: ai.body.answer_off_hours });
  const f = form("Business hours", [zone.wrap, schedule, holidays.wrap, minutes.wrap, replyText.wrap, away.wrap, offHours.wrap],
    async () => {
      const schedule = {};
      for (const d of days) {
        const read = readDay(d.input.value);
        if (read === null) return { ok: false, code: "bad_request", message: `${d.input.labels[0].textContent}: write hours as 09:00-17:00` };
        schedule[d.input.dataset.day] = read;
      }
      const saved = await request("PUT", "/api/business-hours", {
        timezone: zone.input.value.trim(), schedule,
        holidays: holidays.input.value.split("\n").map((s) => s.trim()).filter(Boolean),
        reply_minutes: minutes.input.value ? Number(minutes.input.value) : null,
        reply_text: replyText.input.value.trim() || null, away_message: away.input.value.trim() || null,
      });
      if (!saved.ok || offHours.input.checked === ai.body.answer_off_hours) return saved;
      const config = { ...ai.body, answer_off_hours: offHours.input.checked };
      const aiSaved = await request("PUT", "/api/ai-settings", config);
      if (aiSaved.ok) ai.body = aiSaved.body;
      return aiSaved;
    });
  panel.replaceChildren(el("h3", { textContent: "Business hours", tabIndex: -1 }), zones(zone.input.value), f.node);
}
