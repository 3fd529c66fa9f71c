import { createLogger } from '@dialogstack/runtime';
import { Period, PERIODS, StatsResponse, statsResponseSchema } from '@dialogstack/contract';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { PREVIEW_FETCH_CHARS, previewSql } from '../src/stats/queries';
import { preview } from '../src/stats/stats-response';
import { StatsService } from '../src/stats/stats.service';
import { NaiveStatsService } from './support/naive-stats';
import { migratedTestDatabase } from './support/test-database';

/**
 * Data at the edges of what the statistics see, each case in dialogs of its own so the
 * expectations stay small. "Now" is Tuesday 2026-03-10 06:30 UTC.
 */
const NOW = new Date('2026-03-10T06:30:00Z');
/**
 * Database work (a migrated database, writes through the rollup triggers, the naive recount)
 * takes seconds on a loaded machine: more than Jest's default 5 s. (jest.config.json's per-project
 * testTimeout does not apply: Jest reads it from the global config only.)
 */
const DB_TIMEOUT_MS = 60_000;

describe('statistics at the edges (real PostgreSQL, fixed clock)', () => {
  let db: TestDatabase;
  let writer: Client;
  let database: Database;
  let stats: StatsService;
  let naive: NaiveStatsService;

  const get = async (period: Period, limit = 50): Promise<StatsResponse> => statsResponseSchema.parse(await stats.computeStats({ period, limit }));
  /** The service and a recount from the base tables give the same response, for several list lengths. */
  const expectRecount = async (period: Period) => {
    for (const limit of [1, 3, 50]) {
      expect({ limit, response: await get(period, limit) }).toEqual({ limit, response: await naive.computeStats({ period, limit }) });
    }
  };
  const ids = (r: StatsResponse) => [...r.topUsers.map((u) => u.id), ...r.recentDialogs.map((d) => d.user.id)];

  beforeAll(async () => {
    db = await migratedTestDatabase('edges');
    writer = new Client({ connectionString: db.ownerUrl });
    await writer.connect();
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
    stats = new StatsService(database, { now: () => NOW });
    naive = new NaiveStatsService(database, { now: () => NOW });
  }, DB_TIMEOUT_MS);
  afterAll(async () => {
    await database.onApplicationShutdown();
    await writer.end();
    await db.drop();
  }, DB_TIMEOUT_MS);

  describe('recent-dialog previews', () => {
    // The last message of each dialog; whitespace runs longer than what is displayed.
    const texts: Record<number, string> = {
      101: `short${' '.repeat(300)}tail`,
      102: `x${'\n'.repeat(250)}${'y'.repeat(200)}`,
      103: `${'\u00a0\u2028\t'.repeat(100)}padded${'\u3000'.repeat(100)}`,
      104: `${'word '.repeat(31)} ${' '.repeat(150)}end`,
    };

    beforeAll(async () => {
      for (const [id, text] of Object.entries(texts)) {
        await writer.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES ($1, 'P', '2026-03-01T00:00:00Z')`, [id]);
        await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES ($1, $1, 'user', $2, 1, '2026-03-09T12:00:00Z')`, [id, text]);
      }
    }, DB_TIMEOUT_MS);

    it.each(['7d', 'all'] as const)('%s: collapse whitespace over the whole message, then cut', async (period) => {
      const shown = Object.fromEntries((await get(period)).recentDialogs.filter((d) => d.user.id in texts).map((d) => [d.user.id, d.lastMessagePreview]));
      expect(shown).toEqual(Object.fromEntries(Object.entries(texts).map(([id, text]) => [id, preview(text)])));
      expect(shown[101]).toBe('short tail');
      expect(shown[102]).toMatch(/^x y+…$/);
    });

    it('the SQL collapse (only runs a replacement changes) equals collapsing every whitespace run, on every short mix', async () => {
      // Every string of up to 5 characters from a letter, the space and other whitespace (single
      // and in runs, leading, trailing, between words), and the edge texts above.
      const alphabet = ['a', ' ', '\n', '\t', '\u00a0', '\u3000', '\ufeff'];
      let strings = [''];
      const all: string[] = [];
      for (let n = 1; n <= 5; n++) {
        strings = strings.flatMap((t) => alphabet.map((c) => t + c));
        all.push(...strings);
      }
      all.push(...Object.values(texts));
      const { rows } = await writer.query<{ t: string; p: string }>(`SELECT t, ${previewSql('t')} AS p FROM unnest($1::text[]) AS t`, [all]);
      expect(rows).toHaveLength(all.length);
      const differing = rows.filter((r) => r.p !== r.t.replace(/\s+/g, ' ').trim().slice(0, PREVIEW_FETCH_CHARS));
      expect(differing).toEqual([]);
    });
  });

  describe('messages later than the clock (skew between hosts, Telegram send times)', () => {
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();

    beforeAll(async () => {
      await writer.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES
        (201, 'Early', '2026-03-01T00:00:00Z'), (202, 'Later today', '2026-03-01T00:00:00Z'), (203, 'Days ahead', '2026-03-01T00:00:00Z')`);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at) VALUES
        (201, 201, 'user', 'now-ish', 7, $1), (201, 201, 'assistant', 'reply', 5, $2),
        (201, 201, 'user', 'ahead', 5, $3), (201, 201, 'assistant', 'far ahead', 9, $4),
        (202, 202, 'user', 'ahead', 5, $5), (202, 202, 'assistant', 'reply', 5, $6),
        (202, -5, 'user', 'ahead in a group', 16, $5),
        (203, 203, 'user', 'days ahead', 10, $7)`,
      [at(-60), at(-59), at(10), at(2 * 1440), at(60), at(61), at(3 * 1440)]);
    }, DB_TIMEOUT_MS);

    it.each(PERIODS)('%s: counts [from, to) only, like every other period', async (period) => {
      const r = await get(period);
      expect(ids(r)).not.toContain('202');
      expect(ids(r)).not.toContain('203');
      expect(r.topUsers.find((u) => u.id === '201')).toMatchObject({ messages: 2, lastActiveAt: at(-59) });
      expect(r.recentDialogs.find((d) => d.user.id === '201')).toMatchObject({ messages: 2, lastMessageAt: at(-59), lastMessagePreview: 'reply' });
      for (const t of [...r.topUsers.map((u) => u.lastActiveAt), ...r.recentDialogs.map((d) => d.lastMessageAt)]) {
        expect(Date.parse(t)).toBeLessThan(NOW.getTime());
      }
      await expectRecount(period);
    }, DB_TIMEOUT_MS);
  });

  describe('users deleted, messages deleted, moved and edited', () => {
    beforeAll(async () => {
      await writer.query(`INSERT INTO users (id, first_name, first_seen_at) VALUES (301, 'Gone', '2025-11-01T00:00:00Z'), (302, 'Edited', '2025-11-01T00:00:00Z')`);
      // Gone: a heavy user over the last 100 days; Edited: a few dialogs to change.
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT 301, CASE WHEN i % 5 = 0 THEN -7 ELSE 301 END, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END, 'm' || i, i % 40,
               $1::timestamptz - i * interval '16 hours 13 minutes'
        FROM generate_series(1, 150) AS i`, [NOW]);
      await writer.query(`INSERT INTO messages (user_id, chat_id, role, content, length, created_at)
        SELECT 302, CASE WHEN i % 3 = 0 THEN -7 ELSE 302 END, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END, 'e' || i, i,
               $1::timestamptz - i * interval '11 hours 5 minutes'
        FROM generate_series(1, 60) AS i`, [NOW]);
      await writer.query('DELETE FROM users WHERE id = 301');
      // Edited's latest message, a user's message of 8 days ago and one in the previous 7d window go; others move and change.
      await writer.query(`DELETE FROM messages WHERE user_id = 302 AND content IN ('e1', 'e17', 'e30')`);
      await writer.query(`UPDATE messages SET created_at = created_at - interval '20 days' WHERE user_id = 302 AND content IN ('e2', 'e8')`);
      await writer.query(`UPDATE messages SET created_at = created_at + interval '3 days', role = 'assistant' WHERE user_id = 302 AND content = 'e4'`);
      await writer.query(`UPDATE messages SET chat_id = 302, length = 999 WHERE user_id = 302 AND content IN ('e3', 'e6')`);
      // /reset hides messages: statistics still count them.
      await writer.query(`UPDATE messages SET hidden_at = now() WHERE user_id = 302 AND chat_id = 302`);
    }, DB_TIMEOUT_MS);

    it.each(PERIODS)('%s: no trace of the deleted user, edits counted where they now are', async (period) => {
      const r = await get(period);
      expect(ids(r)).not.toContain('301');
      // Edited's messages left in the last 24 hours were deleted or moved.
      expect(r.topUsers.some((u) => u.id === '302')).toBe(period !== '24h');
      await expectRecount(period);
    }, DB_TIMEOUT_MS);
  });
});
