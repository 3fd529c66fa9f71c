import { DEFAULT_PERIOD, periodSchema, type Period } from '@dialogstack/contract';

/** Words for each reporting window: the switch shows `short`, headings `long`, trends compare against `previous`. */
export const PERIOD_TEXT: Record<Period, { short: string; long: string; previous: string | null }> = {
  '24h': { short: '24h', long: 'Last 24 hours', previous: 'previous 24 hours' },
  '7d': { short: '7d', long: 'Last 7 days', previous: 'previous 7 days' },
  '30d': { short: '30d', long: 'Last 30 days', previous: 'previous 30 days' },
  '90d': { short: '90d', long: 'Last 90 days', previous: 'previous 90 days' },
  'all': { short: 'All', long: 'All time', previous: null },
};

/** `?period=` from the URL; anything unknown falls back to the default window. */
export function parsePeriod(value: string | string[] | undefined): Period {
  const parsed = periodSchema.safeParse(Array.isArray(value) ? value[0] : value);
  return parsed.success ? parsed.data : DEFAULT_PERIOD;
}
