import type { SeriesPoint, StatsResponse } from '@dialogstack/contract';

/** One point of the activity chart, labels already in UTC so server and browser render the same text. */
export interface ChartRow {
  readonly t: string;
  /** Axis tick: `14:00` for hourly buckets, `Mar 5` for daily ones. */
  readonly label: string;
  /** Tooltip heading: `Mar 5, 14:00 UTC` or `Wed, Mar 5, 2025 UTC`. */
  readonly fullLabel: string;
  readonly messages: number;
  readonly activeUsers: number;
}

/** What the chart draws, in the order of its legend. Colours are CSS variables (they follow the theme). */
export const CHART_SERIES = [
  { key: 'messages', name: 'Messages', color: 'var(--chart-messages)' },
  { key: 'activeUsers', name: 'Active users', color: 'var(--chart-users)' },
] as const;

export type Bucket = StatsResponse['window']['bucket'];

const hourTick = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayTick = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' });
const hourFull = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const dayFull = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' });

export function toChartRows(series: readonly SeriesPoint[], bucket: Bucket): ChartRow[] {
  return series.map((point) => {
    const at = new Date(point.t);
    return {
      t: point.t,
      label: (bucket === 'hour' ? hourTick : dayTick).format(at),
      fullLabel: `${(bucket === 'hour' ? hourFull : dayFull).format(at)} UTC`,
      messages: point.messages,
      activeUsers: point.activeUsers,
    };
  });
}
