// The settings' Analytics section: GET /api/analytics drawn as inline SVG bar charts, built
// with DOM APIs (no library, no inline script or style). Each chart is role="img" with a
// summary as its name, and its numbers are in a table for screen readers.
const SVG = "http://www.w3.org/2000/svg";
const H = 220, PAD = { left: 44, right: 8, top: 12, bottom: 28 };
const RANGES = [[7, "7 days"], [30, "30 days"], [90, "90 days"]];
const CHANNELS = [["widget", "Widget"], ["sms", "SMS"], ["whatsapp", "WhatsApp"]];

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

let days = 30;
let W = 640; // the drawing's width in CSS pixels, so its text keeps its size on a phone
let shown = null; // {charts, report}: redrawn at the new width when the window is resized
let resizing = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(() => { if (shown?.charts.isConnected) render(shown.charts, shown.report); });
});

/** Fill `panel` with the range picker and the charts; `request` is the settings' API call. */
export async function mountAnalytics(panel, request) {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const picker = el("div", { className: "set-range", role: "group" });
  picker.setAttribute("aria-label", "Range");
  const charts = el("div", { className: "set-charts" });
  charts.setAttribute("aria-live", "polite");
  for (const [n, label] of RANGES) {
    const b = el("button", { type: "button", textContent: label });
    b.dataset.days = String(n);
    b.setAttribute("aria-pressed", n === days ? "true" : "false");
    b.addEventListener("click", () => {
      days = n;
      for (const other of picker.children) other.setAttribute("aria-pressed", other === b ? "true" : "false");
      draw(charts, request, tz);
    });
    picker.append(b);
  }
  const note = el("p", { className: "set-hint", textContent: `Days in your time zone, ${tz}.` });
  panel.replaceChildren(el("h3", { textContent: "Analytics", tabIndex: -1 }), picker, note, charts);
  await draw(charts, request, tz);
}

/** YYYY-MM-DD of today in `tz`, and of `n - 1` days before it. */
function range(n, tz) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
  const [y, m, d] = today.split("-").map(Number);
  const from = new Date(Date.UTC(y, m - 1, d - (n - 1))).toISOString().slice(0, 10);
  return { from, to: today };
}

async function draw(charts, request, tz) {
  const { from, to } = range(days, tz);
  charts.setAttribute("aria-busy", "true");
  const query = new URLSearchParams({ from, to, tz });
  const got = await request("GET", `/api/analytics?${query}`);
  charts.removeAttribute("aria-busy");
  if (!got.ok) {
    charts.replaceChildren(el("p", { role: "alert", textContent: got.message || `HTTP ${got.status}` }));
    return;
  }
  render(charts, got.body);
}

function render(charts, report) {
  shown = { charts, report };
  W = Math.max(300, Math.min(900, charts.clientWidth || 640));
  charts.dataset.from = report.from;
  charts.dataset.to = report.to;
  charts.replaceChildren(...figures(report));
}

function figures(a) {
  const out = [headline(a), messagesChart(a), visitsChart(a), responseChart(a)];
  out.push(satisfactionChart(a.satisfaction));
  return out;
}

function headline(a) {
  const rate = `${Math.round((a.widget.engagement_rate || 0) * 1000) / 10}%`;
  const items = [["Messages", a.messages.total], ["Conversations", a.conversations.total],
    ["Visits", a.widget.visits], ["Engaged visits", `${a.widget.engaged_visits} (${rate})`],
    ["Median first response, human", duration(a.first_response_seconds.human)],
    ["Median first response, AI", duration(a.first_response_seconds.ai)]];
  const dl = el("dl", { className: "set-figures" });
  for (const [name, value] of items) {
    const div = el("div", {}, el("dt", { textContent: name }), el("dd", { textContent: String(value) }));
    div.dataset.figure = name;
    dl.append(div);
  }
  return dl;
}

/** Seconds as "45 s", "3 min 5 s", "2 h 10 min"; "—" without data. */
/** An axis tick's duration, short enough for the margin: "45s", "12m", "1.5h". */
function shortDuration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 360) / 10}h`;
}

export function duration(seconds) {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

const shortDay = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

function messagesChart(a) {
  const rows = a.messages.by_day;
  const series = CHANNELS.map(([key, label]) => ({ key, label, values: rows.map((d) => d.by_channel[key] || 0) }));
  const parts = CHANNELS.map(([key, label]) => `${label} ${a.messages.by_channel[key] || 0}`).join(", ");
  const summary = `Messages per day by channel, ${a.from} to ${a.to}: ${a.messages.total} in all (${parts}).`;
  return chart({ id: "messages", title: "Messages per day by channel", days: rows.map((d) => d.day), series, stacked: true, summary });
}

function visitsChart(a) {
  const rows = a.daily || [];
  const series = [
    { key: "visits", label: "Visits", values: rows.map((d) => d.visits) },
    { key: "engaged_visits", label: "Engaged visits", values: rows.map((d) => d.engaged_visits) },
  ];
  const summary = `Visits and engaged visits per day, ${a.from} to ${a.to}: ${a.widget.visits} visits, ` +
    `${a.widget.engaged_visits} engaged.`;
  return chart({ id: "visits", title: "Visits vs engaged visits", days: rows.map((d) => d.day), series, summary });
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
  return chart({ id: "first-response", title: "First-response time", days: rows.map((d) => d.day), series, summary,
    format: duration, tick: shortDuration });
}

function satisfactionChart(s) {
  const scores = ["1", "2", "3", "4", "5"];
  const series = [{ key: "ratings", label: "Ratings", values: scores.map((k) => s.by_score?.[k] || 0) }];
  const avg = s.average == null ? "no average yet" : `average ${Math.round(s.average * 10) / 10} of 5`;
  const summary = `Satisfaction: ${s.ratings} ratings, ${avg}.`;
  return chart({ id: "satisfaction", title: "Satisfaction ratings", days: scores, labels: scores.map((k) => `${k}★`), series, summary, category: "Score" });
}

/** A bar chart figure: grouped or stacked bars per category, a legend, and a data table. */
function chart({ id, title, days: cats, labels, series, stacked = false, summary, format = String, tick, category = "Day" }) {
  const names = labels || cats.map(shortDay);
  const heights = cats.map((_, i) => series.map((s) => s.values[i] || 0));
  const max = Math.max(1, ...heights.map((h) => (stacked ? h.reduce((x, y) => x + y, 0) : Math.max(...h))));
  const plotW = W - PAD.left - PAD.right;
  const slot = plotW / Math.max(1, cats.length);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary, class: "set-chart" });
  root.dataset.chart = id;
  root.append(...axes(max, tick || ((v) => String(Math.round(v * 10) / 10)), plotW));
  const layout = { max, slot, stacked, barW: Math.max(1, stacked ? slot * 0.7 : (slot * 0.8) / series.length) };
  cats.forEach((cat, i) => root.append(bars(cat, i, names[i], series, layout, format)));
  root.append(...xLabels(names, slot));
  const legend = el("ul", { className: "set-legend" },
    ...series.map((s, j) => el("li", {}, el("span", { className: `set-swatch set-s${j}` }), s.label)));
  legend.setAttribute("aria-hidden", "true"); // the table below says the same to a screen reader
  const figure = el("figure", { className: "set-figure" }, el("figcaption", { textContent: title }),
    root, legend, dataTable(title, category, names, series, format));
  figure.dataset.chart = id;
  return figure;
}

/** One category's bars: side by side, or stacked; a missing value (null) draws none. */
function bars(cat, i, name, series, { max, slot, stacked, barW }, format) {
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const g = svg("g", { "data-category": cat });
  let base = 0;
  series.forEach((s, j) => {
    const v = s.values[i];
    if (v == null) return;
    const x = PAD.left + i * slot + (stacked ? slot * 0.15 : slot * 0.1 + j * barW);
    const top = stacked ? base + v : v;
    const rect = svg("rect", { x: x.toFixed(2), y: y(top).toFixed(2), width: barW.toFixed(2),
      height: Math.max(0, y(stacked ? base : 0) - y(top)).toFixed(2), class: `set-s${j}`,
      "data-series": s.key, "data-value": v });
    const tip = svg("title");
    tip.textContent = `${name}: ${s.label} ${format(v)}`;
    rect.append(tip);
    g.append(rect);
    if (stacked) base += v;
  });
  return g;
}

function axes(max, format, plotW) {
  const out = [];
  for (const v of [0, max / 2, max]) {
    const yy = PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
    out.push(svg("line", { x1: PAD.left, x2: PAD.left + plotW, y1: yy, y2: yy, class: "set-grid" }));
    const label = svg("text", { x: PAD.left - 4, y: yy + 4, "text-anchor": "end", class: "set-axis" });
    label.textContent = format(v);
    out.push(label);
  }
  return out;
}

function xLabels(names, slot) {
  const every = Math.max(1, Math.ceil(names.length / Math.floor(W / 72))); // labels about 72 px apart
  const out = [];
  names.forEach((name, i) => {
    if (i % every && i !== names.length - 1) return;
    const t = svg("text", { x: (PAD.left + (i + 0.5) * slot).toFixed(1), y: H - 8, "text-anchor": "middle", class: "set-axis" });
    t.textContent = name;
    out.push(t);
  });
  return out;
}

function dataTable(title, category, names, series, format) {
  const head = el("tr", {}, el("th", { scope: "col", textContent: category }),
    ...series.map((s) => el("th", { scope: "col", textContent: s.label })));
  const rows = names.map((name, i) => el("tr", {}, el("th", { scope: "row", textContent: name }),
    ...series.map((s) => el("td", { textContent: s.values[i] == null ? "—" : format(s.values[i]) }))));
  return el("details", { className: "set-data" }, el("summary", { textContent: `${title}: the numbers` }),
    el("table", {}, el("caption", { className: "sr-only", textContent: title }), el("thead", {}, head), el("tbody", {}, ...rows)));
}
