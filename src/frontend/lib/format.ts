import type { Kpi } from '@dialogstack/contract';

// One fixed locale and time zone: the server renders, the browser hydrates, both must agree.
const LOCALE = 'en-US';

const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const utcDateTime = new Intl.DateTimeFormat(LOCALE, {
  timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

export function formatCount(value: number): string {
  return integer.format(value);
}

export function formatDecimal(value: number): string {
  return oneDecimal.format(value);
}

export type TrendDirection = 'up' | 'down' | 'flat' | 'none';

export interface Trend {
  readonly direction: TrendDirection;
  /** `+12.5%`, `−3.0%`, `0%`, or a phrase when there is nothing to compare with. */
  readonly text: string;
}

/** changePct is null when there is no previous window or it was zero: say so instead of inventing a number. */
export function formatTrend(kpi: Kpi): Trend {
  if (kpi.changePct === null) return { direction: 'none', text: 'no previous data' };
  const rounded = Math.round(kpi.changePct * 10) / 10;
  if (rounded === 0) return { direction: 'flat', text: '0%' };
  const magnitude = oneDecimal.format(Math.abs(rounded));
  return rounded > 0 ? { direction: 'up', text: `+${magnitude}%` } : { direction: 'down', text: `\u2212${magnitude}%` };
}

/** `Mar 5, 2025, 14:07 UTC` */
export function formatUtc(iso: string): string {
  return `${utcDateTime.format(new Date(iso))} UTC`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`, relative to the api's generatedAt (not the clock: stable output). */
export function formatAgo(iso: string, nowIso: string): string {
  const seconds = Math.max(0, (Date.parse(nowIso) - Date.parse(iso)) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
