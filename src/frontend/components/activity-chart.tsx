import { ChartPointer, type PointerRow } from './chart-pointer';
import { CHART_SERIES, type Bucket, type ChartRow } from '@/lib/chart-data';
import { niceScale, X_AXIS_SPACE, xFraction, xLabels, type YScale } from '@/lib/chart-scale';

const counts = new Intl.NumberFormat('en-US');
const compactCounts = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Ticks above zero on each panel: the messages panel is taller than the users one. */
const Y_TICKS = { messages: 4, activeUsers: 2 } as const;

type SeriesKey = typeof CHART_SERIES[number]['key'];
const SERIES = CHART_SERIES.map(({ name, color }) => ({ name, color }));

/**
 * Messages and active users per bucket as two small charts on one time axis, each on its own
 * scale: a team of six next to a thousand messages stays readable. Rendered on the server as
 * SVG and HTML (no chart library in the browser); only the pointer read-out is a client island.
 * Lines are straight: each point is a bucket total, a smoothed curve would invent values.
 */
export function ActivityChart({ rows, bucket, summary }: { rows: readonly ChartRow[]; bucket: Bucket; summary: string }) {
  const scales = Object.fromEntries(CHART_SERIES.map((s) => [s.key, niceScale(Math.max(0, ...rows.map((r) => r[s.key])), Y_TICKS[s.key])])) as
    Record<SeriesKey, YScale>;
  const times = rows.map((r) => r.t);
  const pointer: PointerRow[] = rows.map((row, i) => ({
    label: row.fullLabel,
    x: round(xFraction(i, rows.length)),
    values: CHART_SERIES.map((s) => row[s.key]),
    y: CHART_SERIES.map((s) => round(1 - row[s.key] / scales[s.key].top)),
  }));

  return (
    <div className="chart" role="img" aria-label={summary} data-points={rows.length}>
      {CHART_SERIES.map((s) => (
        <div key={s.key} className={`chart__panel chart__panel--${s.key}`}>
          <p className="chart__name"><span className="legend-dot" style={{ background: s.color }} />{s.name}</p>
          <div className="chart__plot" data-series={s.key} data-ticks={scales[s.key].ticks.join(' ')}>
            {scales[s.key].ticks.map((tick) => (
              <span key={tick} className="chart__grid" style={{ top: `${pct(1 - tick / scales[s.key].top)}` }}>
                <span className="chart__y">{formatTick(tick, scales[s.key].top)}</span>
              </span>
            ))}
            <svg className="chart__svg" viewBox="0 0 1000 100" preserveAspectRatio="none" focusable="false" aria-hidden="true">
              <path className={`chart__area chart__area--${s.key}`} d={areaPath(rows.map((r) => r[s.key]), scales[s.key].top)} />
              <path className={`chart__line chart__line--${s.key}`} d={linePath(rows.map((r) => r[s.key]), scales[s.key].top)} />
            </svg>
          </div>
        </div>
      ))}
      <div className="chart__x">
        {xLabels(times, bucket, X_AXIS_SPACE.wide).map((l) => (
          <span key={`w${l.index}`} className="chart__x-label chart__x-label--wide" style={{ left: pct(xFraction(l.index, rows.length)) }}>{l.text}</span>
        ))}
        {xLabels(times, bucket, X_AXIS_SPACE.narrow).map((l) => (
          <span key={`n${l.index}`} className="chart__x-label chart__x-label--narrow" style={{ left: pct(xFraction(l.index, rows.length)) }}>{l.text}</span>
        ))}
      </div>
      <ChartPointer rows={pointer} series={SERIES} />
    </div>
  );
}

function points(values: readonly number[], top: number): [number, number][] {
  const xy = values.map((v, i): [number, number] => [round(xFraction(i, values.length) * 1000), round(100 - (v / top) * 100)]);
  // A single bucket is a level line across the plot, not an invisible point.
  return xy.length === 1 ? [[0, xy[0][1]], [1000, xy[0][1]]] : xy;
}

function linePath(values: readonly number[], top: number): string {
  return points(values, top).map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join('');
}

function areaPath(values: readonly number[], top: number): string {
  const xy = points(values, top);
  if (xy.length === 0) return '';
  return `M${xy[0][0]} 100${xy.map(([x, y]) => `L${x} ${y}`).join('')}L${xy[xy.length - 1][0]} 100Z`;
}

function formatTick(value: number, top: number): string {
  return top >= 10_000 ? compactCounts.format(value) : counts.format(value);
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
const pct = (fraction: number) => `${round(fraction * 100)}%`;
