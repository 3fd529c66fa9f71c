import { createDataSource, migrateUp } from '@dialogstack/db';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';

/**
 * The rollup consistency check: after a randomized workload of inserts, updates and deletes —
 * users deleted with their messages included — written by concurrent connections the way the
 * bot writes (one statement at a time) and now and then in bulk, every rollup equals a recount
 * from the base tables (`activity_rollup_differences()` is empty).
 *
 * The workload is random on purpose; a failure prints its seed (STATS_WORKLOAD_SEED=<seed>
 * replays the same choices, though not the same interleaving of the connections).
 */
const SEED = Number(process.env.STATS_WORKLOAD_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WRITERS = 4;
const STEPS = 250;
const USERS = 12;
const DAY_MS = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const DAYS = 150;

/** mulberry32: small, seedable, good enough to pick operations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Errors a concurrent workload may meet and the bot would too: the statement did nothing. */
const EXPECTED = new Set([
  '23503', // a message of a user another connection just deleted
  '40P01', // deadlock (bulk statements locking days in different orders): one of them is rolled back
]);

describe(`rollup consistency under a random workload (seed ${SEED})`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('consistency');
    // Statements writing several users' messages may deadlock each other (PostgreSQL then rolls
    // one back): find out in 50 ms rather than the default second.
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${db.name}" SET deadlock_timeout = '50ms'`);
    await admin.end();
    const ds = createDataSource({ url: db.writerUrl, applicationName: 'test', poolSize: 1 });
    await ds.initialize();
    await migrateUp(ds, db.readerRole);
    await ds.destroy();
  }, 60_000);
  afterAll(async () => {
    await db.drop();
  }, 60_000);

  const differences = async (client: Client) =>
    (await client.query<{ rollup: string; problem: string; row_data: string }>('SELECT * FROM activity_rollup_differences()')).rows;

  it('keeps every rollup equal to a recount from the base tables', async () => {
    const clients = await Promise.all(Array.from({ length: WRITERS }, async () => {
      const c = new Client({ connectionString: db.writerUrl });
      await c.connect();
      return c;
    }));
    const counts: Record<string, number> = {};
    try {
      await clients[0].query(`INSERT INTO users (id, first_name, first_seen_at)
        SELECT i, 'user ' || i, $1::timestamptz + (i * 7 % 40) * interval '1 day' FROM generate_series(1, $2::int) AS i`, [new Date(START), USERS]);
      await Promise.all(clients.map((client, i) => writer(client, random(SEED + i), counts)));
      expect({ seed: SEED, differences: await differences(clients[0]) }).toEqual({ seed: SEED, differences: [] });
      const [{ messages }] = (await clients[0].query<{ messages: number }>('SELECT count(*)::int AS messages FROM messages')).rows;
      // The workload did what it is meant to: it wrote, moved and removed a fair amount.
      expect(messages).toBeGreaterThan(100);
      expect(counts['delete user']).toBeGreaterThan(0);
      expect(counts['update']).toBeGreaterThan(20);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 120_000);

  it('keeps a user counted while connections add their first and remove their last message at once', async () => {
    // The user's rollup row is created by a first message and removed with the last one, so
    // writers keep creating and removing it under each other.
    const clients = await Promise.all(Array.from({ length: 6 }, async () => {
      const c = new Client({ connectionString: db.writerUrl });
      await c.connect();
      return c;
    }));
    try {
      await clients[0].query(`INSERT INTO users (id, first_name) VALUES (777, 'Flicker')`);
      await Promise.all(clients.map(async (client) => {
        for (let i = 0; i < 150; i++) {
          const { rows: [{ id }] } = await client.query<{ id: string }>(
            `INSERT INTO messages (user_id, chat_id, role, content, length) VALUES (777, 777, 'user', 'x', 1) RETURNING id`);
          await client.query('DELETE FROM messages WHERE id = $1', [id]);
        }
      }));
      expect(await differences(clients[0])).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 120_000);

  async function writer(client: Client, next: () => number, counts: Record<string, number>): Promise<void> {
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
    const user = () => 1 + Math.floor(next() * USERS);
    const chat = (u: number) => (next() < 0.25 ? pick([-1, -2]) : u);
    // Mostly recent days, some long gaps (more than 90 days between a user's days).
    const time = () => new Date(START + Math.floor((next() < 0.7 ? DAYS - 30 + next() * 30 : next() * DAYS) * DAY_MS)
      + Math.floor(next() * DAY_MS));
    const message = () => {
      const u = user();
      return [u, chat(u), next() < 0.5 ? 'user' : 'assistant', Math.floor(next() * 200), time()] as const;
    };
    const operations: [number, string, () => Promise<unknown>][] = [
      [50, 'insert', () => client.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES ($1, $2, $3, 'x', $4, $5)`, [...message()])],
      [5, 'insert many', () => {
        const rows = Array.from({ length: 2 + Math.floor(next() * 6) }, message);
        return client.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
          SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[])`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map(() => 'x'), rows.map((r) => r[3]), rows.map((r) => r[4])]);
      }],
      [10, 'delete', () => client.query(`DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY random() LIMIT $1)`, [1 + Math.floor(next() * 3)])],
      [20, 'update', () => client.query(`
        UPDATE messages SET
          created_at = CASE WHEN $2 THEN created_at + $3 * interval '1 hour' ELSE created_at END,
          role = CASE WHEN $4 THEN CASE role WHEN 'user' THEN 'assistant' ELSE 'user' END ELSE role END,
          length = CASE WHEN $5 THEN $6 ELSE length END,
          chat_id = CASE WHEN $7 THEN -1 ELSE chat_id END,
          user_id = CASE WHEN $8 THEN $9 ELSE user_id END
        WHERE id IN (SELECT id FROM messages ORDER BY random() LIMIT $1)`,
      [1 + Math.floor(next() * 3), next() < 0.6, Math.round((next() - 0.5) * 24 * 10), next() < 0.3, next() < 0.3, Math.floor(next() * 99),
        next() < 0.15, next() < 0.1, user()])],
      [5, 'hide', () => client.query(`UPDATE messages SET hidden_at = now() WHERE user_id = $1 AND hidden_at IS NULL`, [user()])],
      [3, 'delete user', async () => {
        const u = user();
        await client.query('DELETE FROM users WHERE id = $1', [u]);
        await client.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES ($1, 'again', $2) ON CONFLICT (id) DO NOTHING`, [u, time()]);
      }],
      [4, 'user first seen', () => client.query(`UPDATE users SET first_seen_at = $2 WHERE id = $1`, [user(), time()])],
    ];
    const total = operations.reduce((sum, [weight]) => sum + weight, 0);
    for (let step = 0; step < STEPS; step++) {
      let roll = next() * total;
      const [, name, run] = operations.find(([weight]) => (roll -= weight) < 0)!;
      try {
        await run();
        counts[name] = (counts[name] ?? 0) + 1;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!EXPECTED.has(code)) throw err;
        counts[`failed ${code}`] = (counts[`failed ${code}`] ?? 0) + 1;
      }
    }
  }
});
