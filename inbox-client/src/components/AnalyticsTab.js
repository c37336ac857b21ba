// Settings → Analytics: GET /api/analytics for the last 7, 30 or 90 days in the browser's
// time zone, as headline figures and bar charts (BarChart) drawn at the container's width and
// redrawn at the new one when the window is resized. chart-math.js does the numbers.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { charts, chartWidth, dayRange, headline, RANGES } from "../chart-math.js";
import { request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { BarChart } from "./BarChart.js";

let days = 30; // the range last picked, kept while the page lives

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const read = () => {
  const tz = zone();
  return request("GET", `/api/analytics?${new URLSearchParams({ ...dayRange(days, tz), tz })}`);
};

export function AnalyticsTab({ load, settled }) {
  const [got, reload, , reading] = useLoaded(read, load, settled);
  const [range, setRange] = useState(days);
  const [width, setWidth] = useState(640);
  const box = useRef(null);
  const measure = () => { if (box.current?.isConnected) setWidth(chartWidth(box.current.clientWidth)); };
  useLayoutEffect(measure, [got]);
  useEffect(() => {
    let frame = 0;
    const resized = () => { cancelAnimationFrame(frame); frame = requestAnimationFrame(measure); };
    window.addEventListener("resize", resized);
    return () => { window.removeEventListener("resize", resized); cancelAnimationFrame(frame); };
  }, []);
  const pick = (n) => { days = n; setRange(n); reload(); };
  const report = got?.data.ok ? got.data.body : null;
  return (
    <>
      <h3 tabIndex={-1}>Analytics</h3>
      <div class="set-range" role="group" aria-label="Range">
        {RANGES.map(([n, label]) => (
          <button key={n} type="button" data-days={n} aria-pressed={n === range ? "true" : "false"} onClick={() => pick(n)}>
            {label}
          </button>
        ))}
      </div>
      <p class="set-hint">{`Days in your time zone, ${zone()}.`}</p>
      <div class="set-charts" aria-live="polite" aria-busy={reading ? "true" : undefined} ref={box}
        data-from={report?.from} data-to={report?.to}>
        {got && !got.data.ok && <p role="alert">{got.data.message || `HTTP ${got.data.status}`}</p>}
        {report && (
          <>
            <dl class="set-figures">
              {headline(report).map(([name, value]) => (
                <div key={name} data-figure={name}><dt>{name}</dt><dd>{String(value)}</dd></div>
              ))}
            </dl>
            {charts(report).map((chart) => <BarChart key={chart.id} chart={chart} width={width} />)}
          </>
        )}
      </div>
    </>
  );
}
