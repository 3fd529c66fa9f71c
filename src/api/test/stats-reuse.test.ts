import { Period } from '@dialogstack/contract';
import { Database } from '../src/database/database';
import { StatementRow } from '../src/stats/queries';
import { RESPONSE_MAX_AGE_MS, StatsService } from '../src/stats/stats.service';

/**
 * When StatsService serves a kept response again, against a database stand-in whose snapshot
 * the test sets (a real cluster commits whenever other tests write; `stats-cache.test.ts` checks
 * the responses against a real one).
 */
class FakeDatabase {
  snapshot = '100:100:';
  statements = 0;
  probes = 0;
  /** Resolves the pending probes (when `holdProbes`). */
  private held: (() => void)[] = [];
  holdProbes = false;

  async query<T>(sql: string): Promise<T[]> {
    if (sql.startsWith('SELECT pg_current_snapshot()')) {
      this.probes++;
      const snapshot = this.snapshot;
      if (this.holdProbes) await new Promise<void>((resolve) => this.held.push(resolve));
      return [{ snapshot } as T];
    }
    this.statements++;
    const row: StatementRow = {
      from_ts: new Date('2026-03-01T00:00:00Z'),
      kpis: {
        total_users: 1, total_users_prev: 1, active_users: 1, active_users_prev: 1, dialogs: 1, dialogs_prev: 1,
        messages: this.statements, messages_prev: 1, user_messages: 1, user_messages_prev: 1, user_length: 1, user_length_prev: 1,
      },
      series: [],
      top_users: [],
      recent_dialogs: [],
      snapshot: this.snapshot,
    };
    return [row as T];
  }

  releaseProbes(): void {
    this.held.splice(0).forEach((resolve) => resolve());
  }
}

describe('StatsService serves a response again only while it is exact', () => {
  let db: FakeDatabase;
  let now: number;
  let stats: StatsService;
  const get = (period: Period = '30d', limit = 10) => stats.getStats({ period, limit });

  beforeEach(() => {
    db = new FakeDatabase();
    now = Date.parse('2026-03-10T06:30:00Z');
    stats = new StatsService(db as unknown as Database, { now: () => new Date(now) });
  });

  it('serves the same response while the snapshot is unchanged, up to its maximum age', async () => {
    const first = await get();
    now += RESPONSE_MAX_AGE_MS;
    expect(await get()).toBe(first);
    expect(first.generatedAt).toBe('2026-03-10T06:30:00.000Z');
    expect([db.statements, db.probes]).toEqual([1, 1]);
    now += 1;
    const later = await get();
    expect(later).not.toBe(first);
    expect(later.generatedAt).toBe('2026-03-10T06:30:01.001Z');
    expect(db.statements).toBe(2);
  });

  it('computes anew once any transaction committed (the snapshot changed)', async () => {
    const first = await get();
    db.snapshot = '100:101:';
    const second = await get();
    expect(second).not.toBe(first);
    expect(db.statements).toBe(2);
    expect(await get()).toBe(second);
  });

  it('keeps one response per period and list length', async () => {
    await get('30d', 10);
    await get('30d', 11);
    await get('7d', 10);
    expect(db.statements).toBe(3);
    await Promise.all([get('30d', 10), get('30d', 11), get('7d', 10)]);
    expect(db.statements).toBe(3);
  });

  it.each([
    ['24h', '2026-03-10T06:59:59.500Z', '2026-03-10T07:00:00.100Z'],
    ['7d', '2026-03-09T23:59:59.500Z', '2026-03-10T00:00:00.100Z'],
    ['all', '2026-03-09T23:59:59.500Z', '2026-03-10T00:00:00.100Z'],
  ] as const)('%s: never across a bucket boundary', async (period, before, after) => {
    now = Date.parse(before);
    await get(period);
    now = Date.parse(after);
    expect((await get(period)).generatedAt).toBe(after);
    expect(db.statements).toBe(2);
  });

  it('24h: the same response within the hour', async () => {
    now = Date.parse('2026-03-10T06:59:59.000Z');
    const first = await get('24h');
    now = Date.parse('2026-03-10T06:59:59.999Z');
    expect(await get('24h')).toBe(first);
  });

  it('computes anew when the clock went back', async () => {
    await get();
    now -= 1;
    await get();
    expect(db.statements).toBe(2);
  });

  it('computes anew when the bucket ended while the probe was answering', async () => {
    now = Date.parse('2026-03-10T06:59:59.900Z');
    await get('24h');
    db.holdProbes = true;
    const pending = get('24h');
    await new Promise((resolve) => setImmediate(resolve));
    now = Date.parse('2026-03-10T07:00:00.050Z');
    db.releaseProbes();
    expect((await pending).generatedAt).toBe('2026-03-10T07:00:00.050Z');
    expect(db.statements).toBe(2);
  });

  it('shares one snapshot probe among concurrent requests', async () => {
    const periods: Period[] = ['24h', '7d', '30d', '90d', 'all'];
    await Promise.all(periods.map((p) => get(p)));
    db.holdProbes = true;
    const all = Promise.all([...periods, ...periods].map((p) => get(p)));
    await new Promise((resolve) => setImmediate(resolve));
    db.releaseProbes();
    await all;
    expect([db.statements, db.probes]).toEqual([5, 1]);
  });
});
