import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollups the statistics api reads instead of scanning `daily_activity` on every request,
 * plus the indexes its window queries need.
 *
 * - `daily_totals`: one row per UTC day (messages, users' messages and their length, distinct
 *   users who wrote, distinct dialogs). Feeds chart series and additive KPIs in O(days).
 * - `dialog_totals`: one row per dialog (user in a chat), all-time. Feeds the `all` period,
 *   "dialogs active since X" counts and the recent-dialogs list.
 * - `daily_new_users`: users by the UTC day they were first seen, so "users known before t" is
 *   a sum over days instead of a count over every user.
 *
 * The first two are maintained by a trigger on `daily_activity` (itself maintained per
 * message), the third by triggers on `users`, in the writer's transaction: never stale, never
 * approximate. The current day's `daily_totals` row is updated by every message of that day;
 * the bot writes in autocommit statements, so the row lock is held for one statement only.
 *
 * `rebuild_activity_rollups()` recomputes them all from `messages` and `users` in one go, for
 * bulk loads that insert with the per-row triggers disabled (the seed command).
 */
export class ActivityTotals1764547200000 implements MigrationInterface {
  name = 'ActivityTotals1764547200000';

  public async up(q: QueryRunner): Promise<void> {
    // Window scans read these columns only: index-only scans instead of heap visits.
    await q.query(`
      CREATE INDEX daily_activity_window_idx ON daily_activity (day)
      INCLUDE (user_id, chat_id, messages, user_messages, last_message_at)`);
    // One dialog's days (the recent-dialogs list counts messages of ten dialogs in a window).
    await q.query('CREATE INDEX daily_activity_dialog_idx ON daily_activity (user_id, chat_id, day)');

    await q.query(`
      CREATE TABLE daily_totals (
        day           date PRIMARY KEY,
        messages      bigint  NOT NULL,
        user_messages bigint  NOT NULL,
        user_length   bigint  NOT NULL,
        active_users  integer NOT NULL,
        dialogs       integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE dialog_totals (
        user_id         bigint NOT NULL,
        chat_id         bigint NOT NULL,
        messages        bigint NOT NULL,
        user_messages   bigint NOT NULL,
        last_message_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, chat_id)
      )`);
    await q.query('CREATE INDEX dialog_totals_last_message_at_idx ON dialog_totals (last_message_at DESC)');
    await q.query(`
      CREATE TABLE daily_new_users (
        day   date PRIMARY KEY,
        users integer NOT NULL
      )`);

    await q.query(`
      CREATE FUNCTION activity_totals_on_daily_activity() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was_messages      integer := 0;
        was_user_messages integer := 0;
        was_user_length   bigint  := 0;
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          was_messages := OLD.messages;
          was_user_messages := OLD.user_messages;
          was_user_length := OLD.user_length;
        END IF;

        -- Locks the day's row first: a concurrent writer of the same day waits here, and its
        -- "first message of this user today" check below then sees this transaction's rows.
        INSERT INTO daily_totals AS t (day, messages, user_messages, user_length, active_users, dialogs)
        VALUES (NEW.day, NEW.messages - was_messages, NEW.user_messages - was_user_messages,
                NEW.user_length - was_user_length, 0, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END)
        ON CONFLICT (day) DO UPDATE SET
          messages = t.messages + EXCLUDED.messages,
          user_messages = t.user_messages + EXCLUDED.user_messages,
          user_length = t.user_length + EXCLUDED.user_length,
          dialogs = t.dialogs + EXCLUDED.dialogs;

        IF was_user_messages = 0 AND NEW.user_messages > 0 AND NOT EXISTS (
          SELECT 1 FROM daily_activity a
          WHERE a.day = NEW.day AND a.user_id = NEW.user_id AND a.chat_id <> NEW.chat_id AND a.user_messages > 0
        ) THEN
          UPDATE daily_totals SET active_users = active_users + 1 WHERE day = NEW.day;
        END IF;

        INSERT INTO dialog_totals AS t (user_id, chat_id, messages, user_messages, last_message_at)
        VALUES (NEW.user_id, NEW.chat_id, NEW.messages - was_messages, NEW.user_messages - was_user_messages, NEW.last_message_at)
        ON CONFLICT (user_id, chat_id) DO UPDATE SET
          messages = t.messages + EXCLUDED.messages,
          user_messages = t.user_messages + EXCLUDED.user_messages,
          last_message_at = GREATEST(t.last_message_at, EXCLUDED.last_message_at);
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE FUNCTION daily_new_users_on_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          UPDATE daily_new_users SET users = users - 1 WHERE day = (OLD.first_seen_at AT TIME ZONE 'UTC')::date;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          INSERT INTO daily_new_users AS d (day, users) VALUES ((NEW.first_seen_at AT TIME ZONE 'UTC')::date, 1)
          ON CONFLICT (day) DO UPDATE SET users = d.users + 1;
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE FUNCTION fill_activity_totals() RETURNS void LANGUAGE sql AS $$
        INSERT INTO daily_totals (day, messages, user_messages, user_length, active_users, dialogs)
        SELECT day, sum(messages), sum(user_messages), sum(user_length),
               count(DISTINCT user_id) FILTER (WHERE user_messages > 0), count(*)
        FROM daily_activity
        GROUP BY day;
        INSERT INTO dialog_totals (user_id, chat_id, messages, user_messages, last_message_at)
        SELECT user_id, chat_id, sum(messages), sum(user_messages), max(last_message_at)
        FROM daily_activity
        GROUP BY user_id, chat_id;
        INSERT INTO daily_new_users (day, users)
        SELECT (first_seen_at AT TIME ZONE 'UTC')::date, count(*)
        FROM users
        GROUP BY 1;
      $$`);

    await q.query(`
      CREATE FUNCTION rebuild_activity_rollups() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Set-based instead of one trigger call per rollup row; the table lock this takes
        -- makes concurrent message inserts wait until the rebuild commits.
        ALTER TABLE daily_activity DISABLE TRIGGER daily_activity_totals;
        TRUNCATE daily_activity, daily_totals, dialog_totals, daily_new_users;
        INSERT INTO daily_activity (day, user_id, chat_id, messages, user_messages, user_length, last_message_at)
        SELECT (created_at AT TIME ZONE 'UTC')::date, user_id, chat_id, count(*),
               count(*) FILTER (WHERE role = 'user'),
               coalesce(sum(length) FILTER (WHERE role = 'user'), 0),
               max(created_at)
        FROM messages
        GROUP BY 1, 2, 3;
        PERFORM fill_activity_totals();
        ALTER TABLE daily_activity ENABLE TRIGGER daily_activity_totals;
      END $$`);
    // Existing data first, then the trigger keeps the totals in step.
    await q.query('SELECT fill_activity_totals()');
    await q.query(`
      CREATE TRIGGER daily_activity_totals AFTER INSERT OR UPDATE ON daily_activity
      FOR EACH ROW EXECUTE FUNCTION activity_totals_on_daily_activity()`);
    await q.query(`
      CREATE TRIGGER users_daily_new_users AFTER INSERT OR DELETE ON users
      FOR EACH ROW EXECUTE FUNCTION daily_new_users_on_user()`);
    // The bot's upsert sets first_seen_at on every message; only a real change moves a user.
    await q.query(`
      CREATE TRIGGER users_daily_new_users_moved AFTER UPDATE OF first_seen_at ON users
      FOR EACH ROW WHEN (OLD.first_seen_at IS DISTINCT FROM NEW.first_seen_at)
      EXECUTE FUNCTION daily_new_users_on_user()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER users_daily_new_users_moved ON users');
    await q.query('DROP TRIGGER users_daily_new_users ON users');
    await q.query('DROP TRIGGER daily_activity_totals ON daily_activity');
    await q.query('DROP FUNCTION rebuild_activity_rollups()');
    await q.query('DROP FUNCTION fill_activity_totals()');
    await q.query('DROP FUNCTION activity_totals_on_daily_activity()');
    await q.query('DROP FUNCTION daily_new_users_on_user()');
    await q.query('DROP TABLE daily_new_users');
    await q.query('DROP TABLE dialog_totals');
    await q.query('DROP TABLE daily_totals');
    await q.query('DROP INDEX daily_activity_dialog_idx');
    await q.query('DROP INDEX daily_activity_window_idx');
  }
}
