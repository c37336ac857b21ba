import { test } from "node:test";
import assert from "node:assert/strict";
import { hoursBody, hoursValues, offHoursBody, readDay, showDay } from "../src/hours-state.js";

const HOURS = {
  configured: false, timezone: "UTC", schedule: { mon: [["09:00", "13:00"], ["15:00", "18:00"]] },
  holidays: ["2026-12-25", "2027-01-01"], reply_minutes: null, reply_text: "a few hours", away_message: null,
};

test("a day's hours read and show as HH:MM-HH:MM pairs, empty for closed", () => {
  assert.equal(showDay([["09:00", "13:00"], ["15:00", "18:00"]]), "09:00-13:00, 15:00-18:00");
  assert.equal(showDay([]), "");
  assert.deepEqual(readDay(" 09:00 - 13:00,15:00–18:00 "), [["09:00", "13:00"], ["15:00", "18:00"]]);
  assert.deepEqual(readDay(""), []);
  assert.equal(readDay("9 to 5"), null);
  assert.equal(readDay("09:00-13:00, noon"), null);
});

test("the form starts from the API's hours, in the browser's zone until configured", () => {
  const values = hoursValues(HOURS, { answer_off_hours: true }, "Europe/Madrid");
  assert.equal(values.timezone, "Europe/Madrid");
  assert.equal(values.days.mon, "09:00-13:00, 15:00-18:00");
  assert.equal(values.days.sun, "");
  assert.equal(values.holidays, "2026-12-25\n2027-01-01");
  assert.equal(values.replyMinutes, "");
  assert.equal(values.offHours, true);
  assert.equal(hoursValues({ ...HOURS, configured: true }, {}, "Europe/Madrid").timezone, "UTC");
});

test("the body the form saves, or the first day that does not read", () => {
  const values = hoursValues(HOURS, { answer_off_hours: true }, "Europe/Madrid");
  values.days.tue = "08:00-12:00";
  values.holidays = " 2026-12-25 \n\n";
  values.replyMinutes = "30";
  values.away = "  ";
  const { body } = hoursBody(values);
  assert.equal(body.timezone, "Europe/Madrid");
  assert.deepEqual(body.schedule.tue, [["08:00", "12:00"]]);
  assert.deepEqual(body.schedule.sun, []);
  assert.deepEqual(body.holidays, ["2026-12-25"]);
  assert.equal(body.reply_minutes, 30);
  assert.equal(body.reply_text, "a few hours");
  assert.equal(body.away_message, null);
  values.days.wed = "nine to five";
  values.days.fri = "bad too";
  assert.deepEqual(hoursBody(values), { error: "Wednesday: write hours as 09:00-17:00" });
});

test("the AI's settings are written only when the off-hours switch changed", () => {
  const ai = { enabled: true, model: "m", answer_off_hours: true };
  assert.equal(offHoursBody(ai, true), null);
  assert.deepEqual(offHoursBody(ai, false), { enabled: true, model: "m", answer_off_hours: false });
});
