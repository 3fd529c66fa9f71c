import { StatsResponse, statsResponseSchema } from '@dialogstack/contract';
import { createLogger } from '@dialogstack/runtime';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { StatsService } from '../src/stats/stats.service';
import { migratedTestDatabase } from './support/test-database';

/**
 * Statistics against hand-computed numbers. "Now" is fixed at Tuesday 2026-03-10 06:30 UTC:
 *
 * - 7d:  current [03-04 00:00, 03-10 06:30), 6 d 6.5 h long; previous [02-25 17:30, 03-04 00:00).
 * - 24h: current [03-09 07:00, 03-10 06:30), 23.5 h long; previous [03-08 07:30, 03-09 07:00).
 * - 30d: current [02-09 00:00, now); previous [01-10 17:30, 02-09 00:00), which holds nothing.
 *
 * Users: Ada (1), bob (2, username only), Cy (3), Dee (4) and Fay (6), only ever answered
 * by the assistant, Eve (5, never wrote). Chat -100 is a group where Ada and Cy both talk.
 */
const NOW = new Date('2026-03-10T06:30:00Z');

const USERS = `
  INSERT INTO users (id, username, first_name, last_name, first_seen_at) VALUES
    (1, 'ada', 'Ada', 'Lovelace', '2026-02-01T00:00:00Z'),
    (2, 'bob', '', NULL,          '2026-03-01T00:00:00Z'),
    (3, NULL, 'Cy', NULL,         '2026-03-05T00:00:00Z'),
    (4, NULL, 'Dee', NULL,        '2026-03-08T00:00:00Z'),
    (5, NULL, 'Eve', NULL,        '2026-02-20T00:00:00Z'),
    (6, NULL, 'Fay', NULL,        '2026-03-09T00:00:00Z')`;

const MESSAGES = `
  INSERT INTO messages (user_id, chat_id, role, content, length, created_at, hidden_at) VALUES
    -- one millisecond before the previous 7d window: in no 7d window
    (1, 1,    'user',      'too early', 9,  '2026-02-25T17:29:59.999Z', NULL),
    -- the previous 7d window's first instant (its partial first day)
    (1, 1,    'user',      'hi',        2,  '2026-02-25T17:30:00.000Z', NULL),
    -- last instant before the current 7d window; hidden by /reset, still counted
    (2, 2,    'user',      'sixsix',    6,  '2026-03-03T23:59:59.999Z', '2026-03-05T00:00:00Z'),
    -- the current 7d window's first instant (UTC midnight)
    (1, 1,    'user',      'hello',     5,  '2026-03-04T00:00:00.000Z', NULL),
    (1, 1,    'assistant', E'Hello,\\n  Ada!', 10, '2026-03-04T00:00:05.000Z', NULL),
    -- 03-05..03-07: no messages (zero-filled days)
    (4, 4,    'assistant', 'reminder',  12, '2026-03-08T12:00:00.000Z', NULL),
    -- the current 24h window's first instant
    (1, -100, 'user',      'hey all',   7,  '2026-03-09T07:00:00.000Z', NULL),
    (6, 6,    'assistant', 'welcome',   7,  '2026-03-09T20:00:00.000Z', NULL),
    -- the current hour, hidden by /reset
    (3, -100, 'user',      'yo!',       3,  '2026-03-10T06:00:00.000Z', '2026-03-10T06:10:00Z')`;

const fixedClock = { now: () => NOW };

describe('StatsService (real PostgreSQL, read-only role, fixed clock)', () => {
  let db: TestDatabase;
  let database: Database;
  let stats: StatsService;

  const get = async (period: '24h' | '7d' | '30d' | '90d' | 'all', limit = 10): Promise<StatsResponse> =>
    statsResponseSchema.parse(await stats.getStats({ period, limit }));

  beforeAll(async () => {
    db = await migratedTestDatabase('stats');
    const writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    await writer.query(USERS);
    await writer.query(MESSAGES);
    await writer.end();
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
    stats = new StatsService(database, fixedClock);
  });
  afterAll(async () => {
    await database.onApplicationShutdown();
    await db.drop();
  });

  describe('7d', () => {
    let r: StatsResponse;
    beforeAll(async () => { r = await get('7d'); });

    it('spans 7 UTC days ending with today, in daily buckets', () => {
      expect(r.generatedAt).toBe('2026-03-10T06:30:00.000Z');
      expect(r.window).toEqual({ from: '2026-03-04T00:00:00.000Z', to: '2026-03-10T06:30:00.000Z', bucket: 'day' });
    });

    it('zero-fills empty days and splits buckets at UTC midnight', () => {
      expect(r.series).toEqual([
        { t: '2026-03-04T00:00:00.000Z', messages: 2, activeUsers: 1 },
        { t: '2026-03-05T00:00:00.000Z', messages: 0, activeUsers: 0 },
        { t: '2026-03-06T00:00:00.000Z', messages: 0, activeUsers: 0 },
        { t: '2026-03-07T00:00:00.000Z', messages: 0, activeUsers: 0 },
        // Dee's only message is the assistant's: a message, not an active user.
        { t: '2026-03-08T00:00:00.000Z', messages: 1, activeUsers: 0 },
        { t: '2026-03-09T00:00:00.000Z', messages: 2, activeUsers: 1 },
        { t: '2026-03-10T00:00:00.000Z', messages: 1, activeUsers: 1 },
      ]);
    });

    it('compares with the previous window of equal length, its partial first day included', () => {
      expect(r.kpis).toEqual({
        // first seen before now: all six; before 03-04: Ada, bob, Eve
        totalUsers: { value: 6, previous: 3, changePct: 100 },
        // Ada is active in both windows and counts in both; hidden messages count.
        activeUsers: { value: 2, previous: 2, changePct: 0 },
        // (Ada, 1), (Ada, -100), (Cy, -100), (Dee, 4), (Fay, 6)  vs  (Ada, 1), (bob, 2)
        dialogs: { value: 5, previous: 2, changePct: 150 },
        messages: { value: 6, previous: 2, changePct: 200 },
        // (5 + 7 + 3) / 3  vs  (2 + 6) / 2
        avgMessageLength: { value: 5, previous: 4, changePct: 25 },
      });
    });

    it('ranks top users by messages in the window, then by latest activity', () => {
      expect(r.topUsers).toEqual([
        { id: '1', username: 'ada', displayName: 'Ada Lovelace', messages: 3, lastActiveAt: '2026-03-09T07:00:00.000Z' },
        { id: '3', username: null, displayName: 'Cy', messages: 1, lastActiveAt: '2026-03-10T06:00:00.000Z' },
        { id: '6', username: null, displayName: 'Fay', messages: 1, lastActiveAt: '2026-03-09T20:00:00.000Z' },
        { id: '4', username: null, displayName: 'Dee', messages: 1, lastActiveAt: '2026-03-08T12:00:00.000Z' },
      ]);
    });

    it('lists dialogs of the window latest first, with their last message', () => {
      expect(r.recentDialogs.map((d) => [d.chatId, d.user.id, d.messages, d.lastMessageAt, d.lastMessagePreview])).toEqual([
        ['-100', '3', 1, '2026-03-10T06:00:00.000Z', 'yo!'],
        ['6', '6', 1, '2026-03-09T20:00:00.000Z', 'welcome'],
        ['-100', '1', 1, '2026-03-09T07:00:00.000Z', 'hey all'],
        ['4', '4', 1, '2026-03-08T12:00:00.000Z', 'reminder'],
        ['1', '1', 2, '2026-03-04T00:00:05.000Z', 'Hello, Ada!'],
      ]);
    });

    it('cuts both lists at the limit, ties going to the latest activity', async () => {
      const short = await get('7d', 3);
      expect(short.topUsers.map((u) => u.id)).toEqual(['1', '3', '6']);
      expect(short.recentDialogs.map((d) => d.user.id)).toEqual(['3', '6', '1']);
    });
  });

  describe('24h', () => {
    let r: StatsResponse;
    beforeAll(async () => { r = await get('24h'); });

    it('has 24 hourly buckets ending with the current, partial hour', () => {
      expect(r.window).toEqual({ from: '2026-03-09T07:00:00.000Z', to: '2026-03-10T06:30:00.000Z', bucket: 'hour' });
      expect(r.series).toHaveLength(24);
      expect(r.series[0]).toEqual({ t: '2026-03-09T07:00:00.000Z', messages: 1, activeUsers: 1 });
      expect(r.series[23]).toEqual({ t: '2026-03-10T06:00:00.000Z', messages: 1, activeUsers: 1 });
      expect(r.series[13]).toEqual({ t: '2026-03-09T20:00:00.000Z', messages: 1, activeUsers: 0 });
      const others = r.series.filter((_, i) => ![0, 13, 23].includes(i));
      expect(others.every((p) => p.messages === 0 && p.activeUsers === 0)).toBe(true);
      expect(r.series.map((p) => Date.parse(p.t) - Date.parse(r.series[0].t))).toEqual(Array.from({ length: 24 }, (_, i) => i * 3_600_000));
    });

    it('gives no percentage where the previous window had none', () => {
      // previous [03-08 07:30, 03-09 07:00): only the assistant's message to Dee
      expect(r.kpis.messages).toEqual({ value: 3, previous: 1, changePct: 200 });
      expect(r.kpis.activeUsers).toEqual({ value: 2, previous: 0, changePct: null });
      expect(r.kpis.dialogs).toEqual({ value: 3, previous: 1, changePct: 200 });
      expect(r.kpis.avgMessageLength).toEqual({ value: 5, previous: 0, changePct: null });
      expect(r.kpis.totalUsers).toEqual({ value: 6, previous: 6, changePct: 0 });
    });

    it('ranks and lists from message times', () => {
      expect(r.topUsers.map((u) => [u.id, u.messages])).toEqual([['3', 1], ['6', 1], ['1', 1]]);
      expect(r.recentDialogs.map((d) => [d.chatId, d.user.id, d.messages])).toEqual([['-100', '3', 1], ['6', '6', 1], ['-100', '1', 1]]);
    });
  });

  it('30d: an empty previous window gives null percentages, not infinities', async () => {
    const r = await get('30d');
    expect(r.window.from).toBe('2026-02-09T00:00:00.000Z');
    expect(r.series).toHaveLength(30);
    expect(r.kpis.messages).toEqual({ value: 9, previous: 0, changePct: null });
    expect(r.kpis.activeUsers).toEqual({ value: 3, previous: 0, changePct: null });
    expect(r.kpis.totalUsers).toEqual({ value: 6, previous: 1, changePct: 500 });
  });

  it('all: from the first day with a message, no previous window', async () => {
    const r = await get('all');
    expect(r.window).toEqual({ from: '2026-02-25T00:00:00.000Z', to: '2026-03-10T06:30:00.000Z', bucket: 'day' });
    expect(r.series).toHaveLength(14);
    expect(r.series[0]).toEqual({ t: '2026-02-25T00:00:00.000Z', messages: 2, activeUsers: 1 });
    expect(r.kpis).toEqual({
      totalUsers: { value: 6, previous: null, changePct: null },
      activeUsers: { value: 3, previous: null, changePct: null },
      dialogs: { value: 6, previous: null, changePct: null },
      messages: { value: 9, previous: null, changePct: null },
      avgMessageLength: { value: 5.3, previous: null, changePct: null }, // (9 + 2 + 6 + 5 + 7 + 3) / 6
    });
    expect(r.topUsers.map((u) => [u.id, u.messages])).toEqual([['1', 5], ['3', 1], ['6', 1], ['4', 1], ['2', 1]]);
    expect(r.recentDialogs.map((d) => [d.chatId, d.user.id, d.messages])).toEqual([
      ['-100', '3', 1], ['6', '6', 1], ['-100', '1', 1], ['4', '4', 1], ['1', '1', 4], ['2', '2', 1],
    ]);
    expect(r.recentDialogs[5].user.displayName).toBe('@bob');
  });

  it('answers 90d over the same data (shape and window only)', async () => {
    const r = await get('90d');
    expect(r.window.from).toBe('2025-12-11T00:00:00.000Z');
    expect(r.series).toHaveLength(90);
    expect(r.kpis.messages.value).toBe(9);
  });
});
