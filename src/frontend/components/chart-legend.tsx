import { CHART_SERIES } from '@/lib/chart-data';

/** The key beside the chart's title; shares colours with the chart. */
export function ChartLegend() {
  return (
    <ul className="chart-legend" aria-label="Legend">
      {CHART_SERIES.map((s) => (
        <li key={s.key}>
          <span className="legend-dot" style={{ background: s.color }} aria-hidden="true" />
          {s.name}
        </li>
      ))}
    </ul>
  );
}
