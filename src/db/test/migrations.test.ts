import { createDataSource, migrateDown, migrateUp, migrationStatus } from '@dialogstack/db';
import { Client } from 'pg';
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

  it('applies every migration on an empty database, then is a no-op', async () => {
    const first = await withDataSource(db.writerUrl, (ds) => migrateUp(ds, db.readerRole));
    expect(first.applied).toEqual(['InitialSchema1764374400000', 'MessageReplyTo1764460800000', 'ActivityTotals1764547200000', 'OneReplyPerQuestion1764633600000',
      'ExactActivityRollups1764720000000']);
    const second = await withDataSource(db.writerUrl, (ds) => migrateUp(ds, db.readerRole));
    expect(second.applied).toEqual([]);
    const status = await withDataSource(db.writerUrl, migrationStatus);
    expect(status.pending).toEqual([]);
  });

  it('round-trips down and up', async () => {
    const replyToColumn = (ds: ReturnType<typeof createDataSource>) =>
      ds.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'reply_to_id'`);
    expect(await withDataSource(db.writerUrl, migrateDown)).toBe('ExactActivityRollups1764720000000');
    expect(await withDataSource(db.writerUrl, migrateDown)).toBe('OneReplyPerQuestion1764633600000');
    expect(await withDataSource(db.writerUrl, migrateDown)).toBe('ActivityTotals1764547200000');
    expect(await withDataSource(db.writerUrl, migrateDown)).toBe('MessageReplyTo1764460800000');
    expect(await withDataSource(db.adminUrl, replyToColumn)).toHaveLength(0);
    expect(await withDataSource(db.writerUrl, migrateDown)).toBe('InitialSchema1764374400000');
    const tables = await withDataSource(db.adminUrl, (ds) => ds.query(`SELECT to_regclass('messages') AS t`));
    expect(tables[0].t).toBeNull();
    const again = await withDataSource(db.writerUrl, (ds) => migrateUp(ds, db.readerRole));
    expect(again.applied).toEqual(['InitialSchema1764374400000', 'MessageReplyTo1764460800000', 'ActivityTotals1764547200000', 'OneReplyPerQuestion1764633600000',
      'ExactActivityRollups1764720000000']);
    expect(await withDataSource(db.adminUrl, replyToColumn)).toHaveLength(1);
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
      await writer.query(`DELETE FROM messages WHERE id = $1`, [question.rows[0].id]);
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
