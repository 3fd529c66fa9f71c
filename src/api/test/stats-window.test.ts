import { statsWindow } from '../src/stats/stats-window';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;
const length = (w: ReturnType<typeof statsWindow>) => w.to.getTime() - w.from!.getTime();
const previousLength = (w: ReturnType<typeof statsWindow>) => w.from!.getTime() - w.previousFrom!.getTime();

describe('statsWindow', () => {
  it('24h: 24 hour buckets ending with the current hour; previous window as long, ending at from', () => {
    const w = statsWindow('24h', at('2026-03-10T06:30:15.250Z'));
    expect(w.bucket).toBe('hour');
    expect(iso(w.from)).toBe('2026-03-09T07:00:00.000Z');
    expect(iso(w.previousFrom)).toBe('2026-03-08T07:29:44.750Z');
    expect(previousLength(w)).toBe(length(w));
  });

  it.each([
    ['7d', '2026-03-04T00:00:00.000Z'],
    ['30d', '2026-02-09T00:00:00.000Z'],
    ['90d', '2025-12-11T00:00:00.000Z'],
  ] as const)('%s: N UTC days ending with today', (period, from) => {
    const w = statsWindow(period, at('2026-03-10T06:30:00Z'));
    expect(w.bucket).toBe('day');
    expect(iso(w.from)).toBe(from);
    expect(previousLength(w)).toBe(length(w));
  });

  it('at exactly UTC midnight the current day is an empty last bucket, and the previous window has whole days', () => {
    const w = statsWindow('7d', at('2026-03-10T00:00:00Z'));
    expect(iso(w.from)).toBe('2026-03-04T00:00:00.000Z');
    expect(iso(w.previousFrom)).toBe('2026-02-26T00:00:00.000Z');
  });

  it('crosses month and leap-day boundaries in UTC', () => {
    expect(iso(statsWindow('7d', at('2028-03-02T23:59:59.999Z')).from)).toBe('2028-02-25T00:00:00.000Z');
    expect(iso(statsWindow('24h', at('2027-01-01T00:10:00Z')).from)).toBe('2026-12-31T01:00:00.000Z');
  });

  it('all: no fixed start (the first day with data) and no previous window', () => {
    const w = statsWindow('all', at('2026-03-10T06:30:00Z'));
    expect(w).toEqual({ period: 'all', bucket: 'day', from: null, to: at('2026-03-10T06:30:00Z'), previousFrom: null });
  });
});
