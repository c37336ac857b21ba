// Settings → Business hours as plain state (no DOM): the form's values from
// GET /api/business-hours and the AI settings, and back to the bodies of
// PUT /api/business-hours and, when the off-hours switch changed, PUT /api/ai-settings.
// Unit-tested in test/hours-state.test.js.

export const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"],
  ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];
const INTERVAL = /^\s*(\d\d:\d\d)\s*[-–]\s*(\d\d:\d\d)\s*$/;

/** "09:00-13:00, 15:00-18:00" for a day's intervals; "" when closed. */
export const showDay = (intervals) => intervals.map(([a, b]) => `${a}-${b}`).join(", ");

/** A day's intervals from its text, or null when it does not read as HH:MM-HH:MM pairs. */
export function readDay(text) {
  const out = [];
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = INTERVAL.exec(part);
    if (!m) return null;
    out.push([m[1], m[2]]);
  }
  return out;
}

/** The form's values (all strings but `offHours`); an unconfigured company gets `browserZone`. */
export function hoursValues(hours, ai, browserZone) {
  return {
    timezone: hours.configured ? hours.timezone : browserZone,
    days: Object.fromEntries(DAYS.map(([key]) => [key, showDay(hours.schedule[key] || [])])),
    holidays: hours.holidays.join("\n"),
    replyMinutes: hours.reply_minutes == null ? "" : String(hours.reply_minutes),
    replyText: hours.reply_text || "",
    away: hours.away_message || "",
    offHours: ai.answer_off_hours,
  };
}

/** The PUT /api/business-hours body, or {error} naming the first day that does not read. */
export function hoursBody(values) {
  const schedule = {};
  for (const [key, name] of DAYS) {
    const read = readDay(values.days[key]);
    if (read === null) return { error: `${name}: write hours as 09:00-17:00` };
    schedule[key] = read;
  }
  return {
    body: {
      timezone: values.timezone.trim(), schedule,
      holidays: values.holidays.split("\n").map((s) => s.trim()).filter(Boolean),
      reply_minutes: values.replyMinutes ? Number(values.replyMinutes) : null,
      reply_text: values.replyText.trim() || null, away_message: values.away.trim() || null,
    },
  };
}

/** The PUT /api/ai-settings body when the off-hours switch changed `ai`, else null. */
export const offHoursBody = (ai, offHours) => (offHours === ai.answer_off_hours ? null : { ...ai, answer_off_hours: offHours });
