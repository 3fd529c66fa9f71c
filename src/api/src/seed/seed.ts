import { QueryRunner } from 'typeorm';

export interface SeedOptions {
  /** Telegram users to create. */
  readonly users: number;
  /** Messages of both roles to create, exactly. */
  readonly messages: number;
  /** Days of history, ending now. */
  readonly days: number;
  /** Same number, same data (relative to the end time). */
  readonly randomSeed: number;
  /** Empty users, messages and rollups first; without it a non-empty database is refused. */
  readonly replace: boolean;
}

export const DEFAULT_SEED_OPTIONS: SeedOptions = { users: 10_000, messages: 1_000_000, days: 180, randomSeed: 1, replace: false };

export interface SeedReport {
  readonly users: number;
  readonly messages: number;
  readonly from: Date;
  readonly to: Date;
  /** Milliseconds per phase. */
  readonly timings: Readonly<Record<'users' | 'messages' | 'rollups' | 'vacuum', number>>;
}

export class SeedRefusedError extends Error {}

/** Mean messages per session: (1 + floor(Exp(mean 3))) exchanges of two messages. */
const MESSAGES_PER_SESSION = 2 * (1 + 1 / (Math.exp(1 / 3) - 1));

/**
 * Users join over the period (more of them lately), some stay, most drift away after a few
 * weeks; a heavy-tailed few write most. A session is a burst of question/answer pairs at a
 * daytime-weighted hour, 8% of them in group chats. Users' messages are short, the
 * assistant's long, in Russian and English with the odd emoji (lengths in code points).
 */
const CREATE_SEED_USERS = `
  CREATE TEMP TABLE seed_users ON COMMIT DROP AS
  WITH drawn AS (
    SELECT i, 1000000000 + i * 97 AS id,
           $3::timestamptz - $2 * interval '1 day' + $2 * power(random(), 0.75) * interval '1 day' AS first_seen_at,
           CASE WHEN random() < 0.3 THEN 100000 ELSE -ln(1 - random()) * 45 END AS lifetime_days,
           least(50, 1 / power(1 - random(), 0.7)) AS weight,
           random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(1, $1::int) AS i
  )
  SELECT d.*, least($3::timestamptz, d.first_seen_at + least(d.lifetime_days, 100000) * interval '1 day') AS active_until
  FROM drawn d`;

const INSERT_USERS = `
  INSERT INTO users (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at)
  SELECT id,
         CASE WHEN r1 < 0.75 THEN (ARRAY['anna','ivan','olga','max','kate','alex','nina','oleg','lena','sam','dima','masha','pavel','ira','tom','eva'])[1 + i % 16] || '_' || i END,
         (ARRAY['Anna','Ivan','Olga','Max','Kate','Alex','Nina','Oleg','Lena','Sam','Dima','Masha','Pavel','Ira','Tom','Eva'])[1 + i % 16],
         CASE WHEN r2 < 0.6 THEN (ARRAY['Petrova','Smirnov','Ivanova','Kuznetsov','Popova','Sokolov','Lebedeva','Novikov','Morozova','Volkov'])[1 + i % 10] END,
         (ARRAY['ru','ru','ru','en','en','uk','de',NULL])[1 + floor(r3 * 8)::int],
         first_seen_at, first_seen_at
  FROM seed_users`;

/**
 * Sessions per user in proportion to weight × active span, more than needed, stored in random
 * order: the LIMIT that cuts the surplus then drops random sessions, not the last users'.
 * The shuffle key is drawn in a materialized CTE: were it an ORDER BY random() next to the
 * other random() calls, PostgreSQL would reuse the sort key's value for all of them.
 */
const CREATE_SEED_SESSIONS = `
  CREATE TEMP TABLE seed_sessions ON COMMIT DROP AS
  WITH share AS (
    SELECT u.*, u.weight * extract(epoch FROM u.active_until - u.first_seen_at) AS w FROM seed_users u
  ), total AS (
    SELECT nullif(sum(w), 0) AS w FROM share
  ), drawn AS MATERIALIZED (
    SELECT s.id AS user_id,
           CASE WHEN random() < 0.08 THEN -1001000000000 - s.i % 40 ELSE s.id END AS chat_id,
           least($1::timestamptz - interval '1 hour', greatest(s.first_seen_at,
             date_trunc('day', s.first_seen_at + random() * (s.active_until - s.first_seen_at))
             + (ARRAY[0,1,7,8,9,10,10,11,11,12,12,13,13,14,14,15,15,16,16,17,18,19,19,20,20,21,21,22,22,23])[1 + floor(random() * 30)::int] * interval '1 hour'
             + random() * interval '1 hour')) AS started_at,
           1 + floor(-ln(1 - random()) * 3)::int AS exchanges,
           random() AS shuffle
    FROM share s, total t, generate_series(1, round(coalesce(s.w / t.w, 0) * $2)::int)
  )
  SELECT row_number() OVER (ORDER BY shuffle) AS session_id, user_id, chat_id, started_at, exchanges
  FROM drawn
  ORDER BY shuffle`;

const CORPUS = 'Привет! Подскажи, как настроить бота для команды? Мне нужен короткий ответ. '
  + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '
  + 'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. 🙂 '
  + 'Спасибо, это помогло. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. '
  + 'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum. ';

/**
 * Exactly $2 messages, inserted in time order (ids follow time, as in production). Seeded
 * history is closed: every question counts as replied, so the bot's recovery (which answers
 * questions without `replied_at`) never mistakes seeded data for replies it owes.
 */
const INSERT_MESSAGES = `
  INSERT INTO messages (user_id, chat_id, role, content, length, telegram_message_id, created_at, replied_at)
  SELECT user_id, chat_id, role, content, char_length(content), telegram_message_id, created_at,
         CASE WHEN role = 'user' THEN created_at END
  FROM (
    SELECT m.*,
           substr(repeat($3::text, 12), 1 + floor(random() * 400)::int,
                  CASE WHEN m.role = 'user' THEN 2 + least(1000, floor(-ln(1 - random()) * 60)::int)
                       ELSE 20 + least(4000, floor(-ln(1 - random()) * 350)::int) END) AS content
    FROM (
      SELECT * FROM (
        SELECT s.user_id, s.chat_id, CASE WHEN j % 2 = 0 THEN 'user' ELSE 'assistant' END AS role,
               least($1::timestamptz - interval '1 second',
                     s.started_at + j * interval '40 seconds' + random() * interval '30 seconds') AS created_at,
               CASE WHEN j % 2 = 0 THEN s.session_id * 100 + j END AS telegram_message_id
        FROM seed_sessions s, generate_series(0, least(s.exchanges, 40) * 2 - 1) AS j
        LIMIT $2
      ) skeleton
      ORDER BY created_at
    ) m
  ) generated`;

/**
 * Fills the database with a realistic data set, set-based: a handful of INSERT … SELECT
 * statements over generate_series, one transaction. The per-message rollup trigger is off
 * for the bulk insert; the rollups are then rebuilt in one pass (rebuild_activity_rollups),
 * still inside the transaction, so concurrent writers wait and nothing is counted twice or
 * missed. `runner` must be connected as the tables' owner (DB_OWNER_USER, the role migrate uses).
 */
export async function seedDatabase(runner: QueryRunner, options: SeedOptions, end = new Date()): Promise<SeedReport> {
  const timings = { users: 0, messages: 0, rollups: 0, vacuum: 0 };
  const timed = async <T>(phase: keyof typeof timings, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] += performance.now() - started;
    }
  };
  const to = new Date(Math.floor(end.getTime() / 1000) * 1000);
  const from = new Date(to.getTime() - options.days * 86_400_000);

  await runner.startTransaction();
  try {
    if (options.replace) {
      await runner.query('TRUNCATE users, messages RESTART IDENTITY CASCADE');
    } else {
      const [{ any }] = await runner.query('SELECT EXISTS (SELECT 1 FROM messages) OR EXISTS (SELECT 1 FROM users) AS any');
      if (any) throw new SeedRefusedError('the database already has users or messages; pass --replace to empty it first');
    }
    await runner.query('SELECT setseed($1)', [options.randomSeed / 2 ** 31]);
    await timed('users', async () => {
      await runner.query(CREATE_SEED_USERS, [options.users, options.days, to]);
      await runner.query(INSERT_USERS);
    });
    await timed('messages', async () => {
      const sessions = Math.ceil((options.messages / MESSAGES_PER_SESSION) * 1.2) + 20;
      await runner.query(CREATE_SEED_SESSIONS, [to, sessions]);
      await runner.query('ALTER TABLE messages DISABLE TRIGGER USER');
      await runner.query(INSERT_MESSAGES, [to, options.messages, CORPUS]);
      await runner.query('ALTER TABLE messages ENABLE TRIGGER USER');
    });
    await timed('rollups', async () => {
      await runner.query('SELECT rebuild_activity_rollups()');
      await runner.query(`
        UPDATE users u SET last_seen_at = d.last
        FROM (SELECT user_id, max(last_message_at) AS last FROM dialog_totals GROUP BY user_id) d
        WHERE d.user_id = u.id`);
    });
    await runner.commitTransaction();
  } catch (err) {
    await runner.rollbackTransaction();
    throw err;
  }
  // Fresh statistics and visibility maps: the api's window queries are index-only scans.
  await timed('vacuum', () => runner.query('VACUUM (ANALYZE) users, messages, hourly_activity, hourly_totals, daily_activity, user_daily, daily_totals, dialog_totals, user_totals, daily_new_users'));
  const [counts] = await runner.query('SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM messages)::int AS messages');
  return { users: counts.users, messages: counts.messages, from, to, timings };
}
