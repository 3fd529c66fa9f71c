import { createDataSource, dataSourceOptions, MIGRATIONS, migrateDown, migrateUp, migrationStatus } from '@dialogstack/db';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';

// Each migration run rebuilds the statistics rollups: seconds, not milliseconds, on a loaded
// machine (jest.config.json's per-project testTimeout is not applied: Jest reads it globally).
jest.setTimeout(60_000);

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase('migrations'); });
  afterAll(async () => { await db.drop(); });

  const withDataSource = async <T>(url: string, fn: (ds: ReturnType<typeof createDataSource>) => Promise<T>) => {
    const ds = createDataSource({ url, applicationName: 'test', poolSize: 1 });
    await ds.initialize();
    try { return await fn(ds); } finally { await ds.destroy(); }
  };

  // In timestamp order: a database migrated by an earlier release applies only the newer ones.
  const ALL = ['InitialSchema1764374400000', 'MessageReplyTo1764460800000', 'ActivityTotals1764547200000', 'OneReplyPerQuestion1764633600000',
    'ExactActivityRollups1764720000000', 'ReplyDelivery1764806400000', 'LlmUsage1764892800000', 'HeadDayIndexes1764979200000',
    'NewCountInPlpgsql1765065600000', 'AnswerClaims1765152000000'];

  it('lists the migrations in timestamp order', () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(ALL);
  });

  it('applies every migration on an empty database, then is a no-op', async () => {
    const first = await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    expect(first.applied).toEqual(ALL);
    const second = await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    expect(second.applied).toEqual([]);
    const status = await withDataSource(db.ownerUrl, migrationStatus);
    expect(status.pending).toEqual([]);
  });

  it('HeadDayIndexes: indexes the head day of a window for index-only counts, and drops them on the way down', async () => {
    const indexes = (ds: ReturnType<typeof createDataSource>) => ds.query(
      `SELECT indexname FROM pg_indexes WHERE indexname IN ('user_daily_day_writers_idx', 'daily_activity_day_last_idx') ORDER BY indexname`);
    expect(await withDataSource(db.adminUrl, indexes)).toEqual([{ indexname: 'daily_activity_day_last_idx' }, { indexname: 'user_daily_day_writers_idx' }]);
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('AnswerClaims1765152000000');
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('NewCountInPlpgsql1765065600000');
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('HeadDayIndexes1764979200000');
    expect(await withDataSource(db.adminUrl, indexes)).toEqual([]);
    await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    expect(await withDataSource(db.adminUrl, indexes)).toHaveLength(2);
  });

  it('NewCountInPlpgsql: the same arrays as the SQL definition it replaces, which down restores', async () => {
    // Every gap kind (none, out of range, inside, at and past the 90-day cap) with every delta kind.
    const grid = (ds: ReturnType<typeof createDataSource>) => ds.query(`
      SELECT g AS gap, d AS delta, stats_new_count((SELECT array_agg(k * 7 - 300 ORDER BY k) FROM generate_series(1, 91) k), g, d) AS counts
      FROM unnest(ARRAY[NULL, -1, 0, 1, 2, 45, 89, 90, 91, 400]::int[]) WITH ORDINALITY AS gaps(g, gi)
      CROSS JOIN unnest(ARRAY[-2, -1, 0, 1, 3]) AS d
      ORDER BY gi, d`);
    const language = (ds: ReturnType<typeof createDataSource>) =>
      ds.query(`SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = 'stats_new_count'`);
    const now = await withDataSource(db.adminUrl, grid);
    expect(await withDataSource(db.adminUrl, language)).toEqual([{ lanname: 'plpgsql' }]);
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('AnswerClaims1765152000000');
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('NewCountInPlpgsql1765065600000');
    expect(await withDataSource(db.adminUrl, language)).toEqual([{ lanname: 'sql' }]);
    expect(await withDataSource(db.adminUrl, grid)).toEqual(now);
    await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    // Spot checks: the first `gap` elements (all 91 without a previous day) move by delta.
    const at = (gap: number | null, delta: number) => now.find((r: { gap: number | null; delta: number }) => r.gap === gap && r.delta === delta).counts as number[];
    expect(at(2, 3).slice(0, 3)).toEqual([7 - 300 + 3, 14 - 300 + 3, 21 - 300]);
    expect(at(null, -1)[90]).toBe(91 * 7 - 300 - 1);
    expect(at(400, 1)[89]).toBe(90 * 7 - 300 + 1);
    expect(at(400, 1)[90]).toBe(91 * 7 - 300);
    expect(at(0, 1)).toEqual(at(45, 0)); // no element is within a gap of 0; delta 0 changes none
  });

  it('AnswerClaims: adds the nullable messages.answering_until and answering_by (no rewrite, earlier releases ignore them), dropped on the way down', async () => {
    const columns = (ds: ReturnType<typeof createDataSource>) => ds.query(`
      SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_name = 'messages' AND column_name LIKE 'answering%' ORDER BY column_name`);
    expect(await withDataSource(db.adminUrl, columns)).toEqual([
      { column_name: 'answering_by', data_type: 'text', is_nullable: 'YES', column_default: null },
      { column_name: 'answering_until', data_type: 'timestamp with time zone', is_nullable: 'YES', column_default: null },
    ]);
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('AnswerClaims1765152000000');
    expect(await withDataSource(db.adminUrl, columns)).toEqual([]);
    await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    expect(await withDataSource(db.adminUrl, columns)).toHaveLength(2);
  });

  it('round-trips down and up', async () => {
    const replyToColumn = (ds: ReturnType<typeof createDataSource>) =>
      ds.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'reply_to_id'`);
    for (const name of [...ALL].reverse().slice(0, -1)) expect(await withDataSource(db.ownerUrl, migrateDown)).toBe(name);
    expect(await withDataSource(db.adminUrl, replyToColumn)).toHaveLength(0);
    expect(await withDataSource(db.ownerUrl, migrateDown)).toBe('InitialSchema1764374400000');
    const tables = await withDataSource(db.adminUrl, (ds) => ds.query(`SELECT to_regclass('messages') AS t`));
    expect(tables[0].t).toBeNull();
    const again = await withDataSource(db.ownerUrl, (ds) => migrateUp(ds, db.readerRole, db.writerRole));
    expect(again.applied).toEqual(ALL);
    expect(await withDataSource(db.adminUrl, replyToColumn)).toHaveLength(1);
  });

  it('upgrades a database at ExactActivityRollups (the previous release) with its data, rollups still exact', async () => {
    const previous = await createTestDatabase('migrations_upgrade');
    try {
      const upTo = MIGRATIONS.slice(0, ALL.indexOf('ExactActivityRollups1764720000000') + 1);
      const old = new DataSource({ ...dataSourceOptions({ url: previous.ownerUrl, applicationName: 'test', poolSize: 1 }), migrations: upTo });
      await old.initialize();
      try { await migrateUp(old, previous.readerRole, previous.writerRole); } finally { await old.destroy(); }

      const writer = new Client({ connectionString: previous.writerUrl });
      await writer.connect();
      try {
        await writer.query(`INSERT INTO users (id, first_name) VALUES (9, 'Edsger')`);
        const { rows: [question] } = await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length) VALUES (9, 9, 'user', 'q', 1) RETURNING id`);
        await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id) VALUES (9, 9, 'assistant', 'a', 1, $1)`, [question.id]);
        await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length) VALUES (9, 9, 'user', 'unanswered', 10)`);
      } finally {
        await writer.end();
      }

      const upgrade = await withDataSource(previous.ownerUrl, (ds) => migrateUp(ds, previous.readerRole, previous.writerRole));
      expect(upgrade.applied).toEqual(ALL.slice(upTo.length));
      const admin = new Client({ connectionString: previous.adminUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query(`SELECT content, replied_at IS NOT NULL AS replied FROM messages WHERE role = 'user' ORDER BY id`);
        expect(rows).toEqual([{ content: 'q', replied: true }, { content: 'unanswered', replied: false }]);
        expect((await admin.query('SELECT * FROM activity_rollup_differences()')).rows).toEqual([]);
      } finally {
        await admin.end();
      }
    } finally {
      await previous.drop();
    }
  });

  it('lets the read-only role select but not write', async () => {
    const reader = new Client({ connectionString: db.readerUrl });
    await reader.connect();
    try {
      await expect(reader.query('SELECT count(*) FROM messages')).resolves.toBeDefined();
      await expect(reader.query(`INSERT INTO users (id) VALUES (1)`)).rejects.toThrow(/permission denied/);
    } finally {
      await reader.end();
    }
  });

  it('links a reply to the message it answers and unlinks it when that message is deleted', async () => {
    const writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    try {
      await writer.query(`INSERT INTO users (id, first_name) VALUES (7, 'Grace')`);
      const question = await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length) VALUES (7, 7, 'user', 'q', 1) RETURNING id`);
      const answer = await writer.query(
        `INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id) VALUES (7, 7, 'assistant', 'a', 1, $1) RETURNING id`,
        [question.rows[0].id],
      );
      await expect(writer.query(
        `INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id) VALUES (7, 7, 'assistant', 'x', 1, 999999)`,
      )).rejects.toThrow(/foreign key/);
      // Deleting is not the bot's (its role may not): the owner removes the question.
      await withDataSource(db.ownerUrl, (ds) => ds.query(`DELETE FROM messages WHERE id = $1`, [question.rows[0].id]));
      const { rows } = await writer.query(`SELECT reply_to_id FROM messages WHERE id = $1`, [answer.rows[0].id]);
      expect(rows).toEqual([{ reply_to_id: null }]);
    } finally {
      await writer.end();
    }
  });

  it('keeps at most one answer per question', async () => {
    const writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    try {
      await writer.query(`INSERT INTO users (id, first_name) VALUES (8, 'Alan')`);
      const { rows: [question] } = await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length) VALUES (8, 8, 'user', 'q', 1) RETURNING id`);
      const answer = `INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id) VALUES (8, 8, 'assistant', 'a', 1, $1)`;
      await writer.query(answer, [question.id]);
      await expect(writer.query(answer, [question.id])).rejects.toThrow(/messages_reply_to_uq/);
    } finally {
      await writer.end();
    }
  });

  it('keeps the daily rollup in step with inserted messages (UTC days)', async () => {
    const writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    try {
      await writer.query(`INSERT INTO users (id, first_name) VALUES (42, 'Ada')`);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES
        (42, 42, 'user', 'hi', 2, '2026-01-01T23:59:59Z'),
        (42, 42, 'assistant', 'hello', 5, '2026-01-02T00:00:00Z'),
        (42, 42, 'user', 'abc', 3, '2026-01-02T00:00:01Z')`);
      const { rows } = await writer.query(`SELECT day::text, messages, user_messages, user_length::int FROM daily_activity WHERE user_id = 42 ORDER BY day`);
      expect(rows).toEqual([
        { day: '2026-01-01', messages: 1, user_messages: 1, user_length: 2 },
        { day: '2026-01-02', messages: 2, user_messages: 1, user_length: 3 },
      ]);
    } finally {
      await writer.end();
    }
  });
});
