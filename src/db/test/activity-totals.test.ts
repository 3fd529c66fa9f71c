import { Client } from 'pg';
import { createTestDatabase, migrateTestDatabase, TestDatabase } from '../../../test/support/database';

/** The totals rollups must equal a recomputation from `messages`, whichever path filled them. */
describe('activity totals rollups', () => {
  let db: TestDatabase;
  let writer: Client;

  beforeAll(async () => {
    db = await createTestDatabase('totals');
    await migrateTestDatabase(db);
    // The owner: rebuild_activity_rollups() disables a trigger and truncates, which the bot's role may not.
    writer = new Client({ connectionString: db.ownerUrl });
    await writer.connect();
  });
  afterAll(async () => {
    await writer.end();
    await db.drop();
  });

  const snapshot = async () => ({
    days: (await writer.query(`SELECT day::text, messages::int, user_messages::int, user_length::int, active_users, dialogs FROM daily_totals ORDER BY day`)).rows,
    dialogs: (await writer.query(`SELECT user_id::text, chat_id::text, messages::int, user_messages::int, last_message_at FROM dialog_totals ORDER BY dialog_totals.user_id, dialog_totals.chat_id`)).rows,
    newUsers: (await writer.query(`SELECT day::text, users FROM daily_new_users WHERE users <> 0 ORDER BY day`)).rows,
  });

  it('counts users by the UTC day first seen, following changes to first_seen_at', async () => {
    await writer.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES
      (1, 'Ada', '2025-12-31T23:59:59Z'), (2, 'Bob', '2026-01-01T00:00:00Z'), (9, 'Gone', '2026-01-01T10:00:00Z')`);
    expect((await snapshot()).newUsers).toEqual([{ day: '2025-12-31', users: 1 }, { day: '2026-01-01', users: 2 }]);
    // The bot's upsert: first_seen_at = LEAST(old, new) on every message, mostly unchanged.
    await writer.query(`UPDATE users SET first_seen_at = LEAST(first_seen_at, '2026-01-05T00:00:00Z') WHERE id = 2`);
    await writer.query(`UPDATE users SET first_seen_at = '2025-12-30T12:00:00Z' WHERE id = 9`);
    await writer.query(`DELETE FROM users WHERE id = 9`);
    expect((await snapshot()).newUsers).toEqual([{ day: '2025-12-31', users: 1 }, { day: '2026-01-01', users: 1 }]);
  });

  it('counts a user active once a day across chats, and a dialog once a day', async () => {
    await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES
      (1, 1,   'assistant', 'welcome', 7, '2026-01-01T00:00:00Z'),
      (1, 1,   'user', 'hi', 2, '2026-01-01T08:00:00Z'),
      (1, -50, 'user', 'hey all', 7, '2026-01-01T09:00:00Z'),
      (1, -50, 'assistant', 'hello', 5, '2026-01-01T09:00:01Z'),
      (2, -50, 'assistant', 'only a reply', 12, '2026-01-01T10:00:00Z'),
      (2, 2,   'user', 'late', 4, '2026-01-01T23:59:59.999Z'),
      (2, 2,   'assistant', 'next day', 8, '2026-01-02T00:00:00Z')`);
    const { days, dialogs } = await snapshot();
    expect(days).toEqual([
      // Bob's only message in -50 is an assistant's: he is active that day through chat 2 alone.
      { day: '2026-01-01', messages: 6, user_messages: 3, user_length: 13, active_users: 2, dialogs: 4 },
      { day: '2026-01-02', messages: 1, user_messages: 0, user_length: 0, active_users: 0, dialogs: 1 },
    ]);
    expect(dialogs.map((d) => [d.user_id, d.chat_id, d.messages, d.user_messages])).toEqual([
      ['1', '-50', 2, 1], ['1', '1', 2, 1], ['2', '-50', 1, 0], ['2', '2', 2, 1],
    ]);
    expect(dialogs[3].last_message_at.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('turns a dialog-day into an active day when the user writes after the assistant', async () => {
    await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES
      (2, 2, 'user', 'again', 5, '2026-01-02T00:00:05Z')`);
    const { days } = await snapshot();
    expect(days[1]).toEqual({ day: '2026-01-02', messages: 2, user_messages: 1, user_length: 5, active_users: 1, dialogs: 1 });
  });

  it('rebuilds to exactly what the per-message trigger path produced', async () => {
    const incremental = await snapshot();
    await writer.query(`SELECT rebuild_activity_rollups()`);
    expect(await snapshot()).toEqual(incremental);
    // The trigger is back on after a rebuild.
    await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (1, 1, 'user', 'x', 1, '2026-01-03T12:00:00Z')`);
    expect((await snapshot()).days[2]).toMatchObject({ day: '2026-01-03', messages: 1, active_users: 1, dialogs: 1 });
  });

  it('counts a user once when two transactions store their first messages of the day concurrently', async () => {
    const other = new Client({ connectionString: db.writerUrl });
    await other.connect();
    try {
      await writer.query('BEGIN');
      await other.query('BEGIN');
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (2, 2, 'user', 'a', 1, '2026-01-04T10:00:00Z')`);
      // Waits for the first transaction's lock on the day's totals row.
      const second = other.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES (2, -50, 'user', 'b', 1, '2026-01-04T10:00:01Z')`);
      await new Promise((r) => setTimeout(r, 100));
      await writer.query('COMMIT');
      await second;
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect((await snapshot()).days[3]).toEqual({ day: '2026-01-04', messages: 2, user_messages: 2, user_length: 2, active_users: 1, dialogs: 2 });
  });

  it('is readable by the read-only role', async () => {
    const reader = new Client({ connectionString: db.readerUrl });
    await reader.connect();
    try {
      const { rows } = await reader.query(`SELECT (SELECT count(*) FROM daily_totals)::int AS days, (SELECT count(*) FROM dialog_totals)::int AS dialogs`);
      expect(rows[0]).toEqual({ days: 4, dialogs: 4 });
    await expect(reader.query('SELECT sum(users) FROM daily_new_users')).resolves.toBeDefined();
    } finally {
      await reader.end();
    }
  });
});
