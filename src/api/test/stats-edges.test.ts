import { createLogger } from '@dialogstack/runtime';
import { Period, StatsResponse, statsResponseSchema } from '@dialogstack/contract';
import { Client } from 'pg';
import { TestDatabase } from '../../../test/support/database';
import { Database } from '../src/database/database';
import { preview } from '../src/stats/stats-response';
import { StatsService } from '../src/stats/stats.service';
import { migratedTestDatabase } from './support/test-database';

/**
 * Data at the edges of what the statistics see, each case in dialogs of its own so the
 * expectations stay small. "Now" is Tuesday 2026-03-10 06:30 UTC.
 */
const NOW = new Date('2026-03-10T06:30:00Z');

describe('statistics at the edges (real PostgreSQL, fixed clock)', () => {
  let db: TestDatabase;
  let writer: Client;
  let database: Database;
  let stats: StatsService;

  const get = async (period: Period, limit = 50): Promise<StatsResponse> => statsResponseSchema.parse(await stats.computeStats({ period, limit }));

  beforeAll(async () => {
    db = await migratedTestDatabase('edges');
    writer = new Client({ connectionString: db.writerUrl });
    await writer.connect();
    database = new Database(db.readerUrl, createLogger('api', { level: 'error' }));
    stats = new StatsService(database, { now: () => NOW });
  });
  afterAll(async () => {
    await database.onApplicationShutdown();
    await writer.end();
    await db.drop();
  });

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
    });

    it.each(['7d', 'all'] as const)('%s: collapse whitespace over the whole message, then cut', async (period) => {
      const shown = Object.fromEntries((await get(period)).recentDialogs.filter((d) => d.user.id in texts).map((d) => [d.user.id, d.lastMessagePreview]));
      expect(shown).toEqual(Object.fromEntries(Object.entries(texts).map(([id, text]) => [id, preview(text)])));
      expect(shown[101]).toBe('short tail');
      expect(shown[102]).toMatch(/^x y+…$/);
    });
  });
});
