import { Period } from '@dialogstack/contract';

/** The windows a statistics request covers; see PERIODS in the contract for the definitions. */
export interface StatsWindow {
  readonly period: Period;
  readonly bucket: 'hour' | 'day';
  /** Inclusive start of the first bucket. Null for `all`: the first day with data, found by the query. */
  readonly from: Date | null;
  /** Exclusive end: the moment of the request. */
  readonly to: Date;
  /** Start of the previous window, which ends at `from` and is exactly as long. Null for `all`. */
  readonly previousFrom: Date | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const DAYS: Record<Exclude<Period, '24h' | 'all'>, number> = { '7d': 7, '30d': 30, '90d': 90 };

/** Epoch milliseconds are UTC without leap seconds, so UTC hours and days are plain multiples. */
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

export function statsWindow(period: Period, now: Date): StatsWindow {
  const to = now.getTime();
  if (period === 'all') return { period, bucket: 'day', from: null, to: now, previousFrom: null };
  const from = period === '24h'
    ? floorTo(to, HOUR_MS) - 23 * HOUR_MS
    : floorTo(to, DAY_MS) - (DAYS[period] - 1) * DAY_MS;
  return {
    period,
    bucket: period === '24h' ? 'hour' : 'day',
    from: new Date(from),
    to: now,
    previousFrom: new Date(from - (to - from)),
  };
}
