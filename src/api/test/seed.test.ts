import { createDataSource } from '@dialogstack/db';
import { Client } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { TestDatabase } from '../../../test/support/database';
import { parseSeedArgs } from '../src/cli/seed';
import { DEFAULT_SEED_OPTIONS, seedDatabase, SeedRefusedError } from '../src/seed/seed';
import { migratedTestDatabase } from './support/test-database';

const END = new Date('2026-03-10T06:30:00Z');
const OPTIONS = { users: 30, messages: 2500, days: 60, randomSeed: 42, replace: false };

describe('seed', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let runner: QueryRunner;
  let check: Client;

  beforeAll(async () => {
    db = await migratedTestDatabase('seed');
    ds = createDataSource({ url: db.ownerUrl, applicationName: 'seed-test', poolSize: 1 });
    await ds.initialize();
    runner = ds.createQueryRunner();
    check = new Client({ connectionString: db.ownerUrl });
    await check.connect();
  });
  afterAll(async () => {
    await check.end();
    await runner.release();
    await ds.destroy();
    await db.drop();
  });

  const one = async (sql: string) => (await check.query(sql)).rows[0];
  /** Every rollup row that differs from a recount from the base tables (none when consistent). */
  const rollupDrift = async () => (await check.query('SELECT * FROM activity_rollup_differences()')).rows;
  const fingerprint = async () => (await one(`SELECT md5(string_agg(concat_ws('|', user_id, chat_id, role, length, created_at, content), ',' ORDER BY id)) AS h FROM messages`)).h;

  it('creates exactly the requested users and messages, all within the period', async () => {
    const report = await seedDatabase(runner, OPTIONS, END);
    expect(report).toMatchObject({ users: 30, messages: 2500, from: new Date('2026-01-09T06:30:00Z'), to: END });
    const span = await one(`SELECT min(created_at) AS first, max(created_at) AS last, count(DISTINCT role)::int AS roles FROM messages`);
    expect(span.first.getTime()).toBeGreaterThanOrEqual(report.from.getTime());
    expect(span.last.getTime()).toBeLessThan(END.getTime());
    expect(span.roles).toBe(2);
    expect(await one(`SELECT count(*)::int AS n FROM messages m JOIN users u ON u.id = m.user_id WHERE m.created_at < u.first_seen_at`)).toEqual({ n: 0 });
    expect(await one(`SELECT count(*)::int AS n FROM messages WHERE length <> char_length(content)`)).toEqual({ n: 0 });
  });

  it('leaves every rollup equal to a recomputation from messages', async () => {
    expect(await rollupDrift()).toEqual([]);
  });

  it('leaves no question unreplied: the bot never takes seeded history for replies it owes', async () => {
    expect(await one(`SELECT count(*) FILTER (WHERE role = 'user')::int AS questions, count(*) FILTER (WHERE role = 'user' AND replied_at IS NULL)::int AS owed,
                             count(*) FILTER (WHERE role = 'assistant' AND replied_at IS NOT NULL)::int AS answers_marked FROM messages`))
      .toEqual({ questions: expect.any(Number), owed: 0, answers_marked: 0 });
  });

  it('refuses a database that already has data unless told to replace it', async () => {
    await expect(seedDatabase(runner, OPTIONS, END)).rejects.toThrow(SeedRefusedError);
    expect(await one(`SELECT count(*)::int AS n FROM messages`)).toEqual({ n: 2500 });
  });

  it('is reproducible: the same seed and end give the same messages', async () => {
    const before = await fingerprint();
    await seedDatabase(runner, { ...OPTIONS, replace: true }, END);
    expect(await fingerprint()).toBe(before);
    await seedDatabase(runner, { ...OPTIONS, replace: true, randomSeed: 43 }, END);
    expect(await fingerprint()).not.toBe(before);
  });

  it('switches the per-message trigger back on', async () => {
    const day = await one(`SELECT messages::int FROM daily_totals WHERE day = '2026-03-10'`);
    await check.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
                       SELECT id, id, 'user', 'live', 4, '2026-03-10T06:29:00Z' FROM users LIMIT 1`);
    expect(await one(`SELECT messages::int FROM daily_totals WHERE day = '2026-03-10'`)).toEqual({ messages: (day?.messages ?? 0) + 1 });
    expect(await rollupDrift()).toEqual([]);
  });

  describe('command line', () => {
    it('defaults to 10k users and 1M messages over 180 days', () => {
      expect(parseSeedArgs([])).toEqual(DEFAULT_SEED_OPTIONS);
      expect(parseSeedArgs(['--users', '5', '--messages', '0', '--days', '1', '--seed', '9', '--replace']))
        .toEqual({ users: 5, messages: 0, days: 1, randomSeed: 9, replace: true });
    });

    it.each([[['--users', '0']], [['--messages', '1e6']], [['--days', '-3']], [['--color']]])('rejects %j', (args) => {
      expect(() => parseSeedArgs(args)).toThrow();
    });
  });
});
