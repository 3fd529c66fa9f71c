import { Period } from '@dialogstack/contract';
import { createLogger } from '@dialogstack/runtime';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { statsStatement } from '../src/stats/queries';
import { StatsService } from '../src/stats/stats.service';
import { statsWindow } from '../src/stats/stats-window';
import { NaiveStatsService } from './support/naive-stats';
import { migratedTestDatabase } from './support/test-database';

/**
 * The top-users search of the daily windows walks users by descending bound and stops once a
 * bound is below the `limit`-th best score found so far. A user whose bound misleads (many
 * messages just before the window, one in it) must neither end up ranked nor make the search
 * score every other user. "Now" is 2026-03-10 06:30 UTC; the 30d window starts on 02-09.
 */
const NOW = new Date('2026-03-10T06:30:00Z');
const DB_TIMEOUT_MS = 60_000;
const FILLERS = 200;

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

describe('top users of a daily window (real PostgreSQL)', () => {
  let db: TestDatabase;
  let database: Database;
  let stats: StatsService;
  let naive: NaiveStatsService;

  beforeAll(async () => {
    db = await migratedTestDatabase('top');
    const writer = new Client({ connectionString: db.ownerUrl });
    await writer.connect();
    try {
      await writer.query(`INSERT INTO users (id, first_name, first_seen_at) SELECT i, 'U' || i, '2026-01-01T00:00:00Z' FROM generate_series(1, $1::int + 10) AS i`, [FILLERS]);
      // Fillers 1..200: two messages each in the window. Heavy 201..203: 100 each, 203 also after now.
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT u, u, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END, 'm', 1, '2026-03-01T10:00:00Z'::timestamptz + (u * 7 + k) * interval '1 minute'
        FROM generate_series(1, $1::int) AS u, generate_series(1, 2) AS k`, [FILLERS]);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT u, u, 'user', 'h', 1, '2026-03-05T08:00:00Z'::timestamptz + (u * 3 + k) * interval '1 minute'
        FROM generate_series($1::int + 1, $1::int + 3) AS u, generate_series(1, 100) AS k`, [FILLERS]);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT $1::int + 3, -1, 'user', 'ahead', 1, '2026-03-10T07:00:00Z'::timestamptz + k * interval '1 minute' FROM generate_series(1, 50) AS k`, [FILLERS]);
      // Misleading 204: 1000 messages the days before the window, one on its first day: bound 1001, score 1.
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT $1::int + 4, $1::int + 4, 'user', 'old', 1, '2026-02-06T00:00:00Z'::timestamptz + k * interval '3 minutes' FROM generate_series(1, 1000) AS k`, [FILLERS]);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES ($1::int + 4, $1::int + 4, 'user', 'in', 1, '2026-02-09T00:00:00Z')`, [FILLERS]);
      await writer.query('ANALYZE');
    } finally {
      await writer.end();
    }
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
    stats = new StatsService(database, { now: () => NOW });
    naive = new NaiveStatsService(database, { now: () => NOW });
  }, DB_TIMEOUT_MS);
  afterAll(async () => {
    await database?.onApplicationShutdown();
    await db?.drop();
  }, DB_TIMEOUT_MS);

  it.each([1, 2, 3, 4, 50])('30d, limit %i: the recount', async (limit) => {
    expect(await stats.computeStats({ period: '30d', limit })).toEqual(await naive.computeStats({ period: '30d', limit }));
  }, DB_TIMEOUT_MS);

  it.each(['7d', '30d', '90d'] as const)('%s, limit 2: scores the heavy users and the misleading one, not every user', async (period: Period) => {
    const statement = statsStatement(statsWindow(period, NOW), 2);
    const [row] = await database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.sql}`, statement.params);
    const walks: number[] = [];
    const visit = (node: PlanNode) => {
      if (node['Node Type'] === 'Recursive Union') walks.push(node['Actual Rows']);
      node.Plans?.forEach(visit);
    };
    visit(row['QUERY PLAN'][0].Plan);
    expect(walks).toHaveLength(1);
    // The misleading user, the three heavy ones, one filler at most (the old search: all 204).
    expect(walks[0]).toBeLessThanOrEqual(5);
    // In 30d: the heavy users (the later one first); in 90d the misleading user's old messages count too.
    const top = (await stats.computeStats({ period, limit: 2 })).topUsers;
    expect(top.map((u) => u.id)).toEqual(period === '90d' ? ['204', '203'] : ['203', '202']);
    expect(top).toEqual((await naive.computeStats({ period, limit: 2 })).topUsers);
  }, DB_TIMEOUT_MS);
});
