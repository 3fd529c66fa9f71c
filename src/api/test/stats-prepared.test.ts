import { PERIODS } from '@dialogstack/contract';
import { createLogger } from '@dialogstack/runtime';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { StatsService } from '../src/stats/stats.service';
import { migratedTestDatabase } from './support/test-database';

/**
 * Each statistics statement is a prepared statement with a generic plan: a connection plans it
 * once, and every later request only executes it (planning a custom plan cost 1-3 ms of a
 * 2-8 ms statement, see bench/api/README.md).
 */
describe('statistics statements are prepared and planned once per connection', () => {
  let db: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    db = await migratedTestDatabase('prepared');
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
  });
  afterAll(async () => {
    await database.onApplicationShutdown();
    await db.drop();
  });

  it('runs every period twice on one connection without planning again', async () => {
    const now = new Date('2026-03-10T06:30:00Z');
    const stats = new StatsService(database, { now: () => now });
    // One request at a time: the pool hands out its most recently released connection (pg-pool
    // keeps idle connections as a stack), so all of these run on the same one.
    for (const period of PERIODS) {
      for (const limit of [1, 10]) await stats.computeStats({ period, limit });
    }
    const rows = await database.query<{ name: string; generic_plans: number; custom_plans: number }>(
      'SELECT name, generic_plans::int AS generic_plans, custom_plans::int AS custom_plans FROM pg_prepared_statements ORDER BY name',
    );
    expect(rows).toEqual(PERIODS.map((p) => `stats_${p}`).sort().map((name) => ({ name, generic_plans: 2, custom_plans: 0 })));
  });
});
