import { PERIODS } from '@dialogstack/contract';
import { createLogger } from '@dialogstack/runtime';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { StatementRow, statsStatement } from '../src/stats/queries';
import { RESPONSE_MAX_AGE_MS, StatsService } from '../src/stats/stats.service';
import { statsWindow } from '../src/stats/stats-window';
import { NaiveStatsService } from './support/naive-stats';
import { migratedTestDatabase } from './support/test-database';

/**
 * The api reuses a computed response only while it is exact: same database snapshot, same bucket,
 * at most RESPONSE_MAX_AGE_MS old (when exactly: stats-reuse.test.ts). Against a real database:
 * the statement reports the snapshot it read, and after any committed write — a message in the
 * window, on its boundary or after `to`, a deletion, a move, a deleted or new user — the next
 * response is the naive recount from the base tables at the request's instant.
 */
const DB_TIMEOUT_MS = 60_000;
const T0 = Date.parse('2026-03-10T06:30:00Z');
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The api's database, counting the statistics statements it runs (not the snapshot probes). */
class CountingDatabase extends Database {
  statements = 0;

  override query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (!sql.startsWith('SELECT pg_current_snapshot()')) this.statements++;
    return super.query<T>(sql, params);
  }
}

describe('reused responses stay exact (real PostgreSQL)', () => {
  let db: TestDatabase;
  let writer: Client;
  let database: CountingDatabase;
  let naiveDatabase: Database;
  let now: number;
  const clock = { now: () => new Date(now) };
  let stats: StatsService;
  let naive: NaiveStatsService;

  /** Every period, as the api serves it, equals the recount at the clock's instant. */
  const expectRecount = async (limit = 3) => {
    for (const period of PERIODS) {
      expect({ period, response: await stats.getStats({ period, limit }) }).toEqual({ period, response: await naive.computeStats({ period, limit }) });
    }
  };
  const at = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    db = await migratedTestDatabase('cache');
    writer = new Client({ connectionString: db.ownerUrl });
    await writer.connect();
    await writer.query(`INSERT INTO users (id, first_name, first_seen_at) SELECT i, 'U' || i, $1::timestamptz - i * interval '3 days' FROM generate_series(1, 8) AS i`, [at(T0)]);
    await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
      SELECT 1 + i % 8, CASE WHEN i % 5 = 0 THEN -1 ELSE 1 + i % 8 END, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END, 'm' || i, i % 30,
             $1::timestamptz - i * interval '7 hours 13 minutes'
      FROM generate_series(1, 300) AS i`, [at(T0)]);
    database = new CountingDatabase(db.readerUrl, createLogger('api', { level: 'error' }));
    naiveDatabase = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
    naive = new NaiveStatsService(naiveDatabase, clock);
  }, DB_TIMEOUT_MS);
  afterAll(async () => {
    await database?.onApplicationShutdown();
    await naiveDatabase?.onApplicationShutdown();
    await writer?.end();
    await db?.drop();
  }, DB_TIMEOUT_MS);
  beforeEach(() => {
    now = T0;
    stats = new StatsService(database, clock);
  });

  it('reports the snapshot the statement read', async () => {
    // In one repeatable-read transaction the statement and pg_current_snapshot() read the same snapshot.
    const reader = new Client({ connectionString: db.readerUrl });
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const statement = statsStatement(statsWindow('30d', new Date(T0)), 10);
      const [row] = (await reader.query<StatementRow>(statement.sql, [...statement.params])).rows;
      const [{ snapshot }] = (await reader.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot')).rows;
      expect(row.snapshot).toMatch(/^\d+:\d+:[\d,]*$/);
      expect(row.snapshot).toBe(snapshot);
    } finally {
      await reader.end();
    }
  }, DB_TIMEOUT_MS);

  it('computes anew once the response is older than its maximum age', async () => {
    await stats.getStats({ period: '7d', limit: 10 });
    now += RESPONSE_MAX_AGE_MS + 1;
    const statements = database.statements;
    const later = await stats.getStats({ period: '7d', limit: 10 });
    expect(database.statements).toBe(statements + 1);
    expect(later.generatedAt).toBe(at(now));
    expect(later).toEqual(await naive.computeStats({ period: '7d', limit: 10 }));
  }, DB_TIMEOUT_MS);

  it.each([
    ['24h', Date.parse('2026-03-10T06:59:59.700Z'), Date.parse('2026-03-10T07:00:00.100Z')],
    ['30d', Date.parse('2026-03-09T23:59:59.700Z'), Date.parse('2026-03-10T00:00:00.100Z')],
    ['all', Date.parse('2026-03-09T23:59:59.700Z'), Date.parse('2026-03-10T00:00:00.100Z')],
  ] as const)('%s: never serves a response across a bucket boundary', async (period, before, after) => {
    now = before;
    const first = await stats.getStats({ period, limit: 5 });
    now = after;
    const second = await stats.getStats({ period, limit: 5 });
    // A new bucket: the window moved (24h, 30d) or grew by a day (all).
    if (period === 'all') expect(second.series.length).toBe(first.series.length + 1);
    else expect(second.window.from).not.toBe(first.window.from);
    expect(second.generatedAt).toBe(at(after));
    expect(second).toEqual(await naive.computeStats({ period, limit: 5 }));
  }, DB_TIMEOUT_MS);

  it('computes anew when the clock went back', async () => {
    await stats.getStats({ period: '90d', limit: 10 });
    now -= 1;
    expect((await stats.getStats({ period: '90d', limit: 10 })).generatedAt).toBe(at(now));
  }, DB_TIMEOUT_MS);

  const writes: [string, () => Promise<unknown>][] = [
    ['a message in the current hour', () => writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (2, 2, 'user', 'now', 3, $1)`, [at(T0 - 5 * MINUTE_MS)])],
    ['a message on the 24h window\'s first instant', () => writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (3, 3, 'user', 'edge', 4, $1)`, [at(Math.floor(T0 / HOUR_MS) * HOUR_MS - 23 * HOUR_MS)])],
    ['a message 1 ms before to', () => writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (4, -1, 'user', 'last', 4, $1)`, [at(T0 - 1)])],
    ['a message after to (clock skew)', () => writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (5, 5, 'user', 'ahead', 5, $1)`, [at(T0 + 10 * MINUTE_MS)])],
    ['a message of a new user', async () => {
      await writer.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES (9, 'New', $1)`, [at(T0 - MINUTE_MS)]);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (9, 9, 'user', 'first', 5, $1)`, [at(T0 - MINUTE_MS)]);
    }],
    ['the latest message deleted', () => writer.query(`DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE created_at < $1 ORDER BY created_at DESC LIMIT 1)`, [at(T0)])],
    ['messages moved across the 7d window\'s start', () => writer.query(`UPDATE messages SET created_at = created_at - interval '3 days' WHERE created_at >= $1 AND created_at < $1::timestamptz + interval '2 days'`, [at(Math.floor(T0 / DAY_MS) * DAY_MS - 6 * DAY_MS)])],
    ['a role and a length edited', () => writer.query(`UPDATE messages SET role = 'user', length = 77 WHERE id = (SELECT id FROM messages WHERE role = 'assistant' AND created_at < $1 ORDER BY created_at DESC LIMIT 1)`, [at(T0)])],
    ['a user deleted with their messages', () => writer.query('DELETE FROM users WHERE id = 1')],
    ['a user\'s first-seen time changed', () => writer.query(`UPDATE users SET first_seen_at = $1 WHERE id = 2`, [at(T0 - 2 * MINUTE_MS)])],
  ];

  it.each(writes)('after %s, every period is the recount again', async (_, write) => {
    // Kept responses for every period (reused while nothing commits: stats-reuse.test.ts).
    await expectRecount();
    const statements = database.statements;
    await write();
    // Every response computed anew (one statement each), each the recount.
    await expectRecount();
    expect(database.statements).toBe(statements + PERIODS.length);
  }, DB_TIMEOUT_MS);

  it('sees a write committed after the response was computed, though begun before', async () => {
    const other = new Client({ connectionString: db.ownerUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (6, 6, 'user', 'slow', 4, $1)`, [at(T0 - 2 * MINUTE_MS)]);
      const before = await stats.getStats({ period: '24h', limit: 10 });
      expect(before).toEqual(await naive.computeStats({ period: '24h', limit: 10 }));
      await other.query('COMMIT');
      const after = await stats.getStats({ period: '24h', limit: 10 });
      expect(after.kpis.messages.value).toBe(before.kpis.messages.value + 1);
      expect(after).toEqual(await naive.computeStats({ period: '24h', limit: 10 }));
    } finally {
      await other.end();
    }
  }, DB_TIMEOUT_MS);

});
