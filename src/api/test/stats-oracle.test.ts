import { PERIODS, StatsResponse } from '@dialogstack/contract';
import { createLogger } from '@dialogstack/runtime';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { StatsService } from '../src/stats/stats.service';
import { NaiveStatsService } from './support/naive-stats';
import { migratedTestDatabase } from './support/test-database';

/**
 * The api's statements against the naive recount from the base tables, after a random workload:
 * messages over 200 days and a few days past "now", long gaps, group chats, messages on the
 * window boundaries themselves, users deleted with their messages, messages deleted, moved and
 * edited. Compared at several instants — mid-hour, on the hour, at midnight, and days before the
 * latest messages (so that many lie after `to`) — for every period and several list lengths.
 *
 * Random on purpose; a failure names its seed (STATS_WORKLOAD_SEED=<seed> replays it).
 */
const SEED = Number(process.env.STATS_WORKLOAD_SEED ?? Math.floor(Math.random() * 2 ** 31));
const NOW = Date.parse('2026-03-10T06:30:00Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const INSTANTS = [
  new Date(NOW),
  new Date('2026-03-10T00:00:00.000Z'),
  new Date('2026-03-09T17:00:00.000Z'),
  new Date('2026-03-08T23:59:59.999Z'),
  new Date(NOW - 2 * DAY_MS - 17 * 60_000),
];
const LIMITS = [50, 5, 1];

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

describe(`statistics agree with a recount from the base tables (seed ${SEED})`, () => {
  let db: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    db = await migratedTestDatabase('oracle');
    const writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    try {
      await workload(writer, random(SEED));
    } finally {
      await writer.end();
    }
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
  }, 120_000);
  afterAll(async () => {
    await database?.onApplicationShutdown();
    await db?.drop();
  }, 60_000);

  it.each(INSTANTS.map((t) => [t.toISOString(), t] as const))('at %s', async (_, now) => {
    const clock = { now: () => now };
    const stats = new StatsService(database, clock);
    const naive = new NaiveStatsService(database, clock);
    for (const period of PERIODS) {
      const expected = await naive.computeStats({ period, limit: LIMITS[0] });
      for (const limit of LIMITS) {
        const cut: StatsResponse = { ...expected, topUsers: expected.topUsers.slice(0, limit), recentDialogs: expected.recentDialogs.slice(0, limit) };
        expect({ seed: SEED, period, limit, response: await stats.computeStats({ period, limit }) }).toEqual({ seed: SEED, period, limit, response: cut });
      }
    }
  }, 60_000);
});

async function workload(client: Client, next: () => number): Promise<void> {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  // random() in the statements below follows the seed too.
  await client.query('SELECT setseed($1)', [next() * 2 - 1]);
  const users = Array.from({ length: 40 }, (_, i) => 1000 + i);
  await client.query(`INSERT INTO users (id, username, first_name, first_seen_at)
    SELECT id, CASE WHEN id % 3 = 0 THEN 'u' || id END, CASE WHEN id % 4 = 0 THEN '' ELSE 'User' END, $2::timestamptz - (id % 9) * interval '25 days'
    FROM unnest($1::bigint[]) AS id`, [users, new Date(NOW)]);
  // Each user writes in a few bursts over 200 days; half of them also around now; a few write a lot.
  const bursts = new Map(users.map((u) => [u, Array.from({ length: 1 + Math.floor(next() * 3) }, () => NOW - next() * 200 * DAY_MS)]));
  const current = new Set(users.filter(() => next() < 0.5));
  const weights = users.map(() => 1 / (1 - next() * 0.95));
  const total = weights.reduce((a, b) => a + b, 0);
  const user = () => {
    let roll = next() * total;
    return users.find((_, i) => (roll -= weights[i]) < 0) ?? users[0];
  };
  // Instants a window starts or ends at, to put messages exactly there.
  const edges = INSTANTS.flatMap((t) => [t.getTime(), Math.floor(t.getTime() / HOUR_MS) * HOUR_MS, Math.floor(t.getTime() / DAY_MS) * DAY_MS]);
  const time = (u: number) => {
    const r = next();
    if (r < 0.05) return new Date(pick(edges) - (next() < 0.5 ? 1 : 0));
    if (r < 0.5 && current.has(u)) return new Date(NOW - 3 * DAY_MS + next() * 4 * DAY_MS); // around now, some after it
    if (r < 0.6) return new Date(NOW + next() * 3 * DAY_MS); // ahead of every clock used
    return new Date(pick(bursts.get(u)!) + (next() - 0.5) * 4 * DAY_MS);
  };
  const rows: (readonly [number, number, string, number, Date])[] = Array.from({ length: 1600 }, () => {
    const u = user();
    return [u, next() < 0.15 ? pick([-100, -200]) : u, next() < 0.55 ? 'user' : 'assistant', Math.floor(next() * 300), time(u)] as const;
  });
  // Users whose bound misleads: many messages just before a window, and two on its first day
  // (users 2007, 2030, 2090), or many after every clock (2999). Ranked first by their bounds, they
  // must not crowd out the users who really lead.
  const today = Math.floor(NOW / DAY_MS) * DAY_MS;
  for (const [id, days] of [[2007, 7], [2030, 30], [2090, 90], [2999, -2]]) {
    users.push(id);
    bursts.set(id, []);
    await client.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES ($1, 'Burst', $2)`, [id, new Date(today - 200 * DAY_MS)]);
    for (let i = 0; i < 300; i++) {
      rows.push([id, id, i % 2 ? 'user' : 'assistant', 5, new Date(today - (days + 1 + next() * 5) * DAY_MS)]);
    }
    rows.push([id, id, 'user', 5, new Date(today - (days - 1) * DAY_MS + 3 * HOUR_MS)], [id, id, 'assistant', 5, new Date(today - (days - 1) * DAY_MS + 4 * HOUR_MS)]);
  }
  const text = () => pick(['hi', 'how do I…', `long ${' '.repeat(250)}tail`, 'ответ 🙂', 'a\nb']);
  await client.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[])`,
  [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map(text), rows.map((r) => r[3]), rows.map((r) => r[4])]);
  for (const user of [pick(users), pick(users)]) await client.query('DELETE FROM users WHERE id = $1', [user]);
  await client.query('DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY random() LIMIT 80)');
  for (let i = 0; i < 40; i++) {
    await client.query(`UPDATE messages SET created_at = created_at + $1 * interval '1 minute', role = CASE WHEN $2 THEN 'user' ELSE role END,
      length = length + 1 WHERE id = (SELECT id FROM messages ORDER BY random() LIMIT 1)`, [Math.round((next() - 0.5) * 6000), next() < 0.3]);
  }
  await client.query(`UPDATE messages SET hidden_at = created_at WHERE id % 7 = 0`);
}
