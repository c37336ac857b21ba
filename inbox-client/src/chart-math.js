// The analytics charts as plain numbers (no DOM): the date range asked for, durations in
// words, each chart's series from GET /api/analytics, and a bar chart's layout (bars, ticks,
// labels) at a given width. BarChart and AnalyticsTab draw them. Unit-tested in
// test/chart-math.test.js.

export const H = 220;
export const PAD = { left: 44, right: 8, top: 12, bottom: 28 };
export const RANGES = [[7, "7 days"], [30, "30 days"], [90, "90 days"]];
const CHANNELS = [["widget", "Widget"], ["sms", "SMS"], ["whatsapp", "WhatsApp"]];

/** The drawing's width for a container `clientWidth` wide (0 before layout): 300 to 900. */
export const chartWidth = (clientWidth) => Math.max(300, Math.min(900, clientWidth || 640));

/** YYYY-MM-DD of `now`'s day in `tz` (`to`), and of `n - 1` days before it (`from`). */
export function dayRange(n, tz, now = new Date()) {
  const to = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(now);
  const [y, m, d] = to.split("-").map(Number);
  const from = new Date(Date.UTC(y, m - 1, d - (n - 1))).toISOString().slice(0, 10);
  return { from, to };
}

/** Seconds as "45 s", "3 min 5 s", "2 h 10 min"; "—" without data. */
export function duration(seconds) {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

/** An axis tick's duration, short enough for the margin: "45s", "12m", "1.5h". */
export function shortDuration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 360) / 10}h`;
}

const shortDay = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

/** The headline figures: [name, value] pairs. */
export function headline(a) {
  const rate = `${Math.round((a.widget.engagement_rate || 0) * 1000) / 10}%`;
  return [["Messages", a.messages.total], ["Conversations", a.conversations.total],
    ["Visits", a.widget.visits], ["Engaged visits", `${a.widget.engaged_visits} (${rate})`],
    ["Median first response, human", duration(a.first_response_seconds.human)],
    ["Median first response, AI", duration(a.first_response_seconds.ai)]];
}

function messagesChart(a) {
  const rows = a.messages.by_day;
  const series = CHANNELS.map(([key, label]) => ({ key, label, values: rows.map((d) => d.by_channel[key] || 0) }));
  const parts = CHANNELS.map(([key, label]) => `${label} ${a.messages.by_channel[key] || 0}`).join(", ");
  const summary = `Messages per day by channel, ${a.from} to ${a.to}: ${a.messages.total} in all (${parts}).`;
  return { id: "messages", title: "Messages per day by channel", cats: rows.map((d) => d.day), series, stacked: true, summary };
}

function visitsChart(a) {
  const rows = a.daily || [];
  const series = [
    { key: "visits", label: "Visits", values: rows.map((d) => d.visits) },
    { key: "engaged_visits", label: "Engaged visits", values: rows.map((d) => d.engaged_visits) },
  ];
  const summary = `Visits and engaged visits per day, ${a.from} to ${a.to}: ${a.widget.visits} visits, ` +
    `${a.widget.engaged_visits} engaged.`;
  return { id: "visits", title: "Visits vs engaged visits", cats: rows.map((d) => d.day), series, summary };
}

function responseChart(a) {
  const rows = a.daily || [];
  const pick = (who) => rows.map((d) => d.first_response_seconds?.[who] ?? null);
  const series = [
    { key: "human", label: "Human (median)", values: pick("human") },
    { key: "ai", label: "AI (median)", values: pick("ai") },
  ];
  const f = a.first_response_seconds;
  const summary = `Median first-response time per day, ${a.from} to ${a.to}: human ${duration(f.human)}, AI ${duration(f.ai)} over the range.`;
  return { id: "first-response", title: "First-response time", cats: rows.map((d) => d.day), series, summary,
    format: duration, tick: shortDuration };
}

function satisfactionChart(s) {
  const scores = ["1", "2", "3", "4", "5"];
  const series = [{ key: "ratings", label: "Ratings", values: scores.map((k) => s.by_score?.[k] || 0) }];
  const avg = s.average == null ? "no average yet" : `average ${Math.round(s.average * 10) / 10} of 5`;
  return { id: "satisfaction", title: "Satisfaction ratings", cats: scores, labels: scores.map((k) => `${k}★`), series,
    summary: `Satisfaction: ${s.ratings} ratings, ${avg}.`, category: "Score" };
}

/** Every chart of a report, each {id, title, cats, names, series, stacked, summary, format,
 * tick, category}: `names` are the categories as shown (short days, or "4★"). */
export function charts(a) {
  return [messagesChart(a), visitsChart(a), responseChart(a), satisfactionChart(a.satisfaction)].map((c) => ({
    stacked: false, format: String, tick: (v) => String(Math.round(v * 10) / 10), category: "Day", ...c,
    names: c.labels || c.cats.map(shortDay),
  }));
}

/** One category's bars, side by side or stacked; a missing value (null) draws none. */
function bars(chart, i, { max, slot, barW }) {
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const out = [];
  let base = 0;
  chart.series.forEach((s, j) => {
    const v = s.values[i];
    if (v == null) return;
    const x = PAD.left + i * slot + (chart.stacked ? slot * 0.15 : slot * 0.1 + j * barW);
    const top = chart.stacked ? base + v : v;
    out.push({ x: x.toFixed(2), y: y(top).toFixed(2), width: barW.toFixed(2),
      height: Math.max(0, y(chart.stacked ? base : 0) - y(top)).toFixed(2), index: j, key: s.key, value: v,
      title: `${chart.names[i]}: ${s.label} ${chart.format(v)}` });
    if (chart.stacked) base += v;
  });
  return out;
}

/** A chart drawn `width` wide: {groups: [{cat, bars}], ticks: [{y, text}], labels: [{x, text}]}.
 * The scale's top is the tallest bar (stack), at least 1; day labels are about 72 px apart. */
export function layout(chart, width) {
  const { cats, names, series, stacked } = chart;
  const heights = cats.map((_, i) => series.map((s) => s.values[i] || 0));
  const max = Math.max(1, ...heights.map((h) => (stacked ? h.reduce((x, y) => x + y, 0) : Math.max(...h))));
  const plotW = width - PAD.left - PAD.right;
  const slot = plotW / Math.max(1, cats.length);
  const barW = Math.max(1, stacked ? slot * 0.7 : (slot * 0.8) / series.length);
  const groups = cats.map((cat, i) => ({ cat, bars: bars(chart, i, { max, slot, barW }) }));
  const ticks = [0, max / 2, max].map((v) => ({ y: PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max), text: chart.tick(v) }));
  const every = Math.max(1, Math.ceil(names.length / Math.floor(width / 72)));
  const labels = names.map((text, i) => ({ x: (PAD.left + (i + 0.5) * slot).toFixed(1), text, i }))
    .filter(({ i }) => !(i % every) || i === names.length - 1);
  return { plotW, groups, ticks, labels };
}
