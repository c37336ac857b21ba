// One analytics chart: an inline SVG bar chart (grouped or stacked bars per category),
// role="img" named by its summary, a legend, and its numbers in a table for screen readers.
// No inline style: the colours are classes (inbox-settings.css). Layout is chart-math.js's.
import { H, layout, PAD } from "../chart-math.js";

/** `chart` is one of chart-math.js's charts(report); `width` the drawing's, in CSS pixels. */
export function BarChart({ chart, width }) {
  const { id, title, names, series, summary, format, category } = chart;
  const { plotW, groups, ticks, labels } = layout(chart, width);
  return (
    <figure class="set-figure" data-chart={id}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${H}`} role="img" aria-label={summary} class="set-chart" data-chart={id}>
        {ticks.map((t, i) => [
          <line key={`l${i}`} x1={PAD.left} x2={PAD.left + plotW} y1={t.y} y2={t.y} class="set-grid" />,
          <text key={`t${i}`} x={PAD.left - 4} y={t.y + 4} text-anchor="end" class="set-axis">{t.text}</text>,
        ])}
        {groups.map((g) => (
          <g key={g.cat} data-category={g.cat}>
            {g.bars.map((b) => (
              <rect key={b.key} x={b.x} y={b.y} width={b.width} height={b.height} class={`set-s${b.index}`}
                data-series={b.key} data-value={b.value}><title>{b.title}</title></rect>
            ))}
          </g>
        ))}
        {labels.map((l) => <text key={`x${l.i}`} x={l.x} y={H - 8} text-anchor="middle" class="set-axis">{l.text}</text>)}
      </svg>
      <ul class="set-legend" aria-hidden="true">{/* the table below says the same to a screen reader */}
        {series.map((s, j) => <li key={s.key}><span class={`set-swatch set-s${j}`} />{s.label}</li>)}
      </ul>
      <details class="set-data">
        <summary>{`${title}: the numbers`}</summary>
        <table>
          <caption class="sr-only">{title}</caption>
          <thead><tr><th scope="col">{category}</th>{series.map((s) => <th key={s.key} scope="col">{s.label}</th>)}</tr></thead>
          <tbody>
            {names.map((name, i) => (
              <tr key={name}><th scope="row">{name}</th>
                {series.map((s) => <td key={s.key}>{s.values[i] == null ? "—" : format(s.values[i])}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
