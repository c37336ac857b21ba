import { test } from "node:test";
import assert from "node:assert/strict";
import { chartWidth, charts, dayRange, duration, headline, layout, PAD, shortDuration } from "../src/chart-math.js";

const day = (d, widget, sms, extra = {}) => ({ day: d, by_channel: { widget, sms }, ...extra });
const REPORT = {
  from: "2026-03-01", to: "2026-03-03",
  messages: { total: 9, by_channel: { widget: 6, sms: 3 }, by_day: [day("2026-03-01", 1, 2), day("2026-03-02", 0, 1), day("2026-03-03", 5, 0)] },
  conversations: { total: 4 },
  widget: { visits: 20, engaged_visits: 3, engagement_rate: 0.15 },
  first_response_seconds: { human: 1200, ai: 4 },
  daily: [
    { day: "2026-03-01", visits: 10, engaged_visits: 1, first_response_seconds: { human: 1200, ai: null } },
    { day: "2026-03-02", visits: 4, engaged_visits: 2, first_response_seconds: { human: null, ai: 4 } },
    { day: "2026-03-03", visits: 6, engaged_visits: 0 },
  ],
  satisfaction: { ratings: 4, average: 4.25, by_score: { 3: 1, 4: 1, 5: 2 } },
};

test("the range is today and n - 1 days before it, in the given time zone", () => {
  const now = new Date("2026-03-01T23:30:00Z");
  assert.deepEqual(dayRange(7, "UTC", now), { from: "2026-02-23", to: "2026-03-01" });
  assert.deepEqual(dayRange(7, "Asia/Tokyo", now), { from: "2026-02-24", to: "2026-03-02" });
  assert.deepEqual(dayRange(1, "UTC", now), { from: "2026-03-01", to: "2026-03-01" });
});

test("durations read in words, ticks in short", () => {
  assert.equal(duration(null), "—");
  assert.equal(duration(44.6), "45 s");
  assert.equal(duration(180), "3 min");
  assert.equal(duration(185), "3 min 5 s");
  assert.equal(duration(7800), "2 h 10 min");
  assert.equal(duration(7200), "2 h");
  assert.equal(shortDuration(45), "45s");
  assert.equal(shortDuration(720), "12m");
  assert.equal(shortDuration(5400), "1.5h");
});

test("the charts' series and summaries come from the report", () => {
  const [messages, visits, response, satisfaction] = charts(REPORT);
  assert.equal(messages.summary, "Messages per day by channel, 2026-03-01 to 2026-03-03: 9 in all (Widget 6, SMS 3, WhatsApp 0).");
  assert.deepEqual(messages.series.map((s) => s.values), [[1, 0, 5], [2, 1, 0], [0, 0, 0]]);
  assert.equal(messages.stacked, true);
  assert.deepEqual(visits.series[1].values, [1, 2, 0]);
  assert.deepEqual(response.series[0].values, [1200, null, null]);
  assert.equal(response.format, duration);
  assert.equal(satisfaction.summary, "Satisfaction: 4 ratings, average 4.3 of 5.");
  assert.deepEqual(satisfaction.names, ["1★", "2★", "3★", "4★", "5★"]);
  assert.deepEqual(satisfaction.series[0].values, [0, 0, 1, 1, 2]);
  assert.equal(charts({ ...REPORT, satisfaction: { ratings: 0, average: null } })[3].summary, "Satisfaction: 0 ratings, no average yet.");
  assert.deepEqual(headline(REPORT)[3], ["Engaged visits", "3 (15%)"]);
  assert.deepEqual(headline(REPORT)[4], ["Median first response, human", "20 min"]);
});

test("stacked bars sit on each other and the scale's top is the tallest stack", () => {
  const [messages] = charts(REPORT);
  const { groups, ticks } = layout(messages, 640);
  assert.deepEqual(ticks.map((t) => t.text), ["0", "2.5", "5"]);
  const first = groups[0].bars; // widget 1 then sms 2: 3 of the 5
  assert.deepEqual(first.map((b) => [b.key, b.value]), [["widget", 1], ["sms", 2], ["whatsapp", 0]]);
  const bottom = 220 - PAD.bottom;
  assert.equal(Number(first[0].y) + Number(first[0].height), bottom);
  assert.equal(Number(first[1].y) + Number(first[1].height), Number(first[0].y));
  assert.equal(Number(first[0].height) * 2, Number(first[1].height));
  assert.equal(first[0].title.endsWith(": Widget 1"), true);
});

test("grouped bars stand side by side; a missing value draws no bar", () => {
  const response = charts(REPORT)[2];
  const { groups } = layout(response, 640);
  assert.deepEqual(groups.map((g) => g.bars.map((b) => b.key)), [["human"], ["ai"], []]);
  assert.equal(groups[0].bars[0].title.endsWith("Human (median) 20 min"), true);
  const visits = layout(charts(REPORT)[1], 640).groups[0].bars;
  assert.ok(Number(visits[1].x) > Number(visits[0].x));
});

test("day labels thin out on a narrow drawing, keeping the last", () => {
  const cats = Array.from({ length: 30 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`);
  const chart = { ...charts(REPORT)[1], cats, names: cats, series: [{ key: "v", label: "V", values: cats.map(() => 1) }] };
  assert.equal(layout(chart, 900).labels.length, 11); // every third, and the last
  const narrow = layout(chart, 300).labels;
  assert.deepEqual(narrow.map((l) => l.i), [0, 8, 16, 24, 29]);
  assert.equal(chartWidth(0), 640);
  assert.equal(chartWidth(200), 300);
  assert.equal(chartWidth(1200), 900);
  assert.equal(chartWidth(512), 512);
});
