import { createDataSource, migrateUp } from '@dialogstack/db';
import { persona, planHistory, seedHistory, WEEKDAY_RHYTHM } from '@dialogstack/devtools';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';

const DAY_MS = 86_400_000;
const END = new Date('2025-06-18T15:30:00.000Z');

describe('planHistory (the demo\'s past, computed)', () => {
  const plan = planHistory({ days: 90, users: 40, end: END });
  const perDay = new Map<number, { messages: number; users: Set<number> }>();
  for (const e of plan.exchanges) {
    const day = Math.floor(END.getTime() / DAY_MS) - Math.floor(e.askedAt.getTime() / DAY_MS);
    const entry = perDay.get(day) ?? { messages: 0, users: new Set<number>() };
    entry.messages += 2;
    entry.users.add(e.userId);
    perDay.set(day, entry);
  }

  it('is the same for the same end time and seed', () => {
    expect(planHistory({ days: 90, users: 40, end: END })).toEqual(plan);
    expect(planHistory({ days: 90, users: 40, end: END, seed: 7 })).not.toEqual(plan);
  });

  it('fills the whole window: activity on nearly every day, nothing after the end', () => {
    expect(perDay.size).toBeGreaterThanOrEqual(85);
    expect(Math.max(...plan.exchanges.map((e) => e.answeredAt.getTime()))).toBeLessThan(END.getTime());
    // 90 UTC days ending with today, like the api's 90d window.
    expect(Math.min(...plan.exchanges.map((e) => e.askedAt.getTime()))).toBeGreaterThanOrEqual(Date.parse('2025-03-21T00:00:00Z'));
    expect(plan.exchanges.every((e) => e.answeredAt > e.askedAt)).toBe(true);
  });

  it('grows: the last month has more active users and messages than the first', () => {
    // Days counted back from today: 0–29 is the last month, 60–89 the first.
    const month = (from: number) => [...perDay].filter(([day]) => day >= from && day < from + 30).map(([, v]) => v);
    const users = (days: { users: Set<number> }[]) => new Set(days.flatMap((v) => [...v.users])).size;
    const messages = (days: { messages: number }[]) => days.reduce((sum, v) => sum + v.messages, 0);
    expect(users(month(0))).toBeGreaterThan(users(month(60)) * 1.5);
    expect(messages(month(0))).toBeGreaterThan(messages(month(60)) * 1.5);
    expect(plan.users.length).toBe(40);
    expect(plan.from.toISOString()).toBe('2025-03-21T00:00:00.000Z');
  });

  it('has a weekly rhythm: weekends are quieter than weekdays', () => {
    const byWeekday = Array.from({ length: 7 }, () => 0);
    for (const e of plan.exchanges) byWeekday[e.askedAt.getUTCDay()] += 1;
    const weekend = (byWeekday[0] + byWeekday[6]) / 2;
    const weekdays = byWeekday.slice(1, 6).reduce((a, b) => a + b, 0) / 5;
    expect(weekend).toBeLessThan(weekdays * 0.75);
    expect(WEEKDAY_RHYTHM[0]).toBeLessThan(WEEKDAY_RHYTHM[3]);
  });

  it('casts the traffic generator\'s people, the live ones among the earliest', () => {
    const ids = plan.users.map((u) => u.persona.user.id);
    expect(new Set(ids).size).toBe(40);
    for (let i = 0; i < 6; i++) {
      expect(ids).toContain(persona(i).user.id);
      const joined = plan.users.find((u) => u.persona.user.id === persona(i).user.id)!.firstSeenAt;
      expect(joined.getTime()).toBeLessThan(END.getTime() - 70 * DAY_MS);
    }
  });
});

describe('seedHistory (into PostgreSQL)', () => {
  let db: TestDatabase;
  const clients: Client[] = [];
  /** A month of a dozen people: enough to check how it is stored, small enough to write in a blink. */
  const SMALL = { days: 30, users: 12 };

  async function connect(url = db.writerUrl): Promise<Client> {
    const client = new Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  }

  // One migrated database for the file (creating and migrating one takes seconds); each test starts from empty tables.
  beforeAll(async () => {
    db = await createTestDatabase('history');
    const ds = createDataSource({ url: db.writerUrl, applicationName: 'history-test', poolSize: 1 });
    await ds.initialize();
    try {
      await migrateUp(ds, db.readerRole);
    } finally {
      await ds.destroy();
    }
  }, 120_000);

  beforeEach(async () => {
    const client = await connect();
    // The rollups are emptied by the schema's own rebuild, so this list never lags behind a new rollup table.
    await client.query('TRUNCATE users, messages RESTART IDENTITY CASCADE');
    await client.query('SELECT rebuild_activity_rollups()');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });

  afterAll(async () => {
    await db?.drop();
  });

  const count = async (client: Client, sql: string) => Number((await client.query(sql)).rows[0].n);

  it('writes the planned past once: a second run changes nothing', async () => {
    const client = await connect();
    const end = new Date();
    const first = await seedHistory(client, { ...SMALL, end });
    const plan = planHistory({ ...SMALL, end });
    expect(first).toMatchObject({ seeded: true, users: SMALL.users, messages: plan.exchanges.length * 2, from: plan.from, to: end });
    expect(await count(client, 'SELECT count(*) AS n FROM messages')).toBe(plan.exchanges.length * 2);
    expect(await count(client, 'SELECT count(*) AS n FROM users')).toBe(SMALL.users);

    const again = await seedHistory(client, { ...SMALL, end: new Date(end.getTime() + 3 * DAY_MS) });
    expect(again).toEqual({ seeded: false, reason: 'already-seeded', detail: expect.any(String) });
    expect(await count(client, 'SELECT count(*) AS n FROM messages')).toBe(plan.exchanges.length * 2);
  });

  it('seeds once when two seeders start together', async () => {
    const [a, b] = [await connect(), await connect()];
    const end = new Date();
    const outcomes = await Promise.all([seedHistory(a, { ...SMALL, end }), seedHistory(b, { ...SMALL, end })]);
    expect(outcomes.map((o) => o.seeded).sort()).toEqual([false, true]);
    expect(await count(a, 'SELECT count(*) AS n FROM messages')).toBe(planHistory({ ...SMALL, end }).exchanges.length * 2);
  });

  it('leaves a database with real users alone', async () => {
    const client = await connect();
    await client.query("INSERT INTO users (id, first_name) VALUES (424242, 'Real Person')");
    const outcome = await seedHistory(client, { ...SMALL, end: new Date() });
    expect(outcome).toEqual({ seeded: false, reason: 'not-a-demo-database', detail: '1 users outside the demo cast' });
    expect(await count(client, 'SELECT count(*) AS n FROM messages')).toBe(0);
    expect(await count(client, 'SELECT count(*) AS n FROM users')).toBe(1);
  });

  it('stores it as the bot would: ids in time order, answers linked, hidden from the bot\'s context, counted by the rollups', async () => {
    const client = await connect();
    await seedHistory(client, { ...SMALL, end: new Date() });
    expect(await count(client, `
      SELECT count(*) AS n FROM (
        SELECT id, lag(created_at) OVER (ORDER BY id) AS before, created_at FROM messages
      ) m WHERE before > created_at`)).toBe(0);
    expect(await count(client, `
      SELECT count(*) AS n FROM messages a JOIN messages q ON q.id = a.reply_to_id
      WHERE a.role = 'assistant' AND q.role = 'user' AND q.user_id = a.user_id AND q.created_at < a.created_at`))
      .toBe(await count(client, "SELECT count(*) AS n FROM messages WHERE role = 'assistant'"));
    expect(await count(client, 'SELECT count(*) AS n FROM messages WHERE hidden_at IS NULL')).toBe(0);
    expect(await count(client, "SELECT count(*) AS n FROM messages WHERE role = 'user' AND telegram_message_id >= 0")).toBe(0);
    // Every rollup the api reads agrees with a recount from the messages (the schema's own check).
    expect((await client.query('SELECT * FROM activity_rollup_differences()')).rows).toEqual([]);
    expect(await count(client, 'SELECT count(*) AS n FROM daily_totals')).toBeGreaterThanOrEqual(25);
    expect(await count(client, 'SELECT count(*) AS n FROM users WHERE last_seen_at < first_seen_at')).toBe(0);
    // Readable by the api's role.
    const reader = await connect(db.readerUrl);
    expect(await count(reader, 'SELECT count(*) AS n FROM daily_totals')).toBeGreaterThanOrEqual(25);
  });
});
