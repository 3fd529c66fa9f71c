import { statsResponseSchema, type Period, type StatsResponse } from '@dialogstack/contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN: Record<Exclude<Period, 'all'>, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY };

/**
 * A contract-valid stats response, the shape the api sends: zero-filled series in UTC,
 * trends against the previous window (none for `all`). Validated here so a fixture can
 * never drift from the contract.
 */
export function statsFixture(period: Period = '7d', overrides: Partial<StatsResponse> = {}): StatsResponse {
  const to = Date.UTC(2025, 2, 10, 12, 0, 0);
  const bucket = period === '24h' ? 'hour' : 'day';
  const step = bucket === 'hour' ? HOUR : DAY;
  const from = period === 'all' ? to - 14 * DAY : to - SPAN[period];
  const start = Math.floor(from / step) * step;
  const series = Array.from({ length: Math.floor((to - start) / step) + 1 }, (_, i) => ({
    t: new Date(start + i * step).toISOString(),
    messages: (i * 7) % 23,
    activeUsers: (i * 3) % 5,
  }));
  const trend = (value: number, previous: number) =>
    period === 'all' ? { value, previous: null, changePct: null } : { value, previous, changePct: previous === 0 ? null : ((value - previous) / previous) * 100 };
  const iso = (ms: number) => new Date(ms).toISOString();

  return statsResponseSchema.parse({
    period,
    generatedAt: iso(to),
    window: { from: iso(from), to: iso(to), bucket },
    kpis: {
      totalUsers: trend(42, 40),
      activeUsers: trend(12, 16),
      dialogs: trend(15, 15),
      messages: trend(1234, 0),
      avgMessageLength: trend(57.25, 50),
    },
    series,
    topUsers: [
      { id: '1001', username: 'alice', displayName: 'Alice Liddell', messages: 320, lastActiveAt: iso(to - 5 * 60_000) },
      { id: '1002', username: null, displayName: 'Bob', messages: 97, lastActiveAt: iso(to - 3 * HOUR) },
    ],
    recentDialogs: [
      {
        chatId: '1001',
        user: { id: '1001', username: 'alice', displayName: 'Alice Liddell' },
        messages: 18,
        lastMessageAt: iso(to - 5 * 60_000),
        lastMessagePreview: 'Could you summarise the meeting notes from Tuesday?',
      },
    ],
    ...overrides,
  });
}
