import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics rollups that are exact whatever happens to `messages` — inserts, deletes (a user
 * deleted with their messages), updates — and that answer any window in O(days).
 *
 * One trigger function, `stats_count_message(±1, message)`, adds or removes a message from every
 * rollup, for INSERT, DELETE and UPDATE (an update of a counted column removes the old row and
 * adds the new one; /reset's `hidden_at` changes nothing counted). Each rollup is defined by a
 * recount view over the base tables (`stats_recount_<rollup>`): `rebuild_activity_rollups()`
 * fills the rollups from them, `activity_rollup_differences()` lists every row where a rollup and
 * its recount differ (none when consistent).
 *
 * - `hourly_activity` (hour, user, chat) and `hourly_totals` (hour): the 24h period, and the
 *   partial first day of a previous window.
 * - `daily_activity` (day, user, chat), `user_daily` (day, user): per-day sums; each row also
 *   links the previous and next day of its dialog (`prev_day`, `next_day`), and a day a user
 *   wrote on links the previous and next day they wrote on (`prev_write_day`, `next_write_day`).
 * - `daily_totals` (day): sums, plus `new_writers[k]` / `new_dialogs[k]`: users who wrote that
 *   day (dialogs with a message that day) and on none of the k − 1 days before (k = 1..90);
 *   element 91: for the first time ever. Distinct users over days [a, b] (at most 90 days) are
 *   then Σ_d new_writers[d − a + 1]: each one counted once, on their first day in the range.
 * - `dialog_totals` (user, chat): all time; the recent-dialogs list.
 * - `user_totals` (user): all-time messages and latest day (`last_day`), and messages in the
 *   7/30/90 days ending with `last_day` — for a window ending on `last_day` or later, an upper
 *   bound of the user's messages in it, by which the top users are found without summing every
 *   user's days.
 * - `daily_new_users` (day): unchanged.
 *
 * Concurrency: a write locks the user's `user_totals` row first, which serializes everything
 * per user (chains are read, then written), and the rows every writer shares — the hour's and
 * day's totals — last, in ascending order.
 */
export class ExactActivityRollups1764720000000 implements MigrationInterface {
  name = 'ExactActivityRollups1764720000000';

  public async up(q: QueryRunner): Promise<void> {
    // The rebuild at the end reads every message: longer than the migrate service's statement
    // timeout on a large database (1M messages: 10–30 s). This migration's transaction only.
    await q.query('SET LOCAL statement_timeout = 0');
    await q.query(`
      DROP TRIGGER daily_activity_totals ON daily_activity;
      DROP TRIGGER messages_daily_activity ON messages;
      DROP FUNCTION rebuild_activity_rollups();
      DROP FUNCTION fill_activity_totals();
      DROP FUNCTION activity_totals_on_daily_activity();
      DROP FUNCTION daily_activity_on_message();
      -- Windows are no longer scanned day by day.
      DROP INDEX daily_activity_window_idx;
      -- Refilled from the base tables at the end.
      TRUNCATE daily_activity, daily_totals, dialog_totals, daily_new_users`);

    await q.query(`
      ALTER TABLE daily_activity ADD COLUMN prev_day date, ADD COLUMN next_day date;
      ALTER TABLE daily_totals ADD COLUMN new_writers integer[] NOT NULL, ADD COLUMN new_dialogs integer[] NOT NULL;
      CREATE TABLE hourly_activity (
        hour            timestamptz NOT NULL,
        user_id         bigint  NOT NULL,
        chat_id         bigint  NOT NULL,
        messages        integer NOT NULL,
        user_messages   integer NOT NULL,
        user_length     bigint  NOT NULL,
        last_message_at timestamptz NOT NULL,
        PRIMARY KEY (hour, user_id, chat_id)
      );
      CREATE TABLE hourly_totals (
        hour          timestamptz PRIMARY KEY,
        messages      bigint NOT NULL,
        user_messages bigint NOT NULL,
        user_length   bigint NOT NULL
      );
      CREATE TABLE user_daily (
        day                  date    NOT NULL,
        user_id              bigint  NOT NULL,
        messages             integer NOT NULL,
        user_messages        integer NOT NULL,
        last_message_at      timestamptz NOT NULL,
        last_user_message_at timestamptz,
        prev_write_day       date,
        next_write_day       date,
        PRIMARY KEY (day, user_id)
      );
      -- A user's days in a window (top users), and the neighbours of a day they wrote on.
      CREATE INDEX user_daily_user_idx ON user_daily (user_id, day) INCLUDE (messages, user_messages, last_message_at);
      CREATE TABLE user_totals (
        user_id         bigint PRIMARY KEY,
        last_day        date   NOT NULL,
        messages        bigint NOT NULL,
        last_message_at timestamptz NOT NULL,
        messages_7d     integer NOT NULL,
        messages_30d    integer NOT NULL,
        messages_90d    integer NOT NULL
      );
      -- Users by descending bound, one index probe each (the top-users search).
      CREATE INDEX user_totals_7d_idx ON user_totals (messages_7d, user_id) INCLUDE (last_day);
      CREATE INDEX user_totals_30d_idx ON user_totals (messages_30d, user_id) INCLUDE (last_day);
      CREATE INDEX user_totals_90d_idx ON user_totals (messages_90d, user_id) INCLUDE (last_day);
      CREATE INDEX user_totals_all_idx ON user_totals (messages, user_id)`);

    // What each rollup holds, as a recount from the base tables.
    await q.query(`
      -- The new_writers / new_dialogs element a row counts up to: its gap to the previous day
      -- (90 for 90 days or more), 91 when there is none.
      CREATE FUNCTION stats_gap_bucket(day date, prev date) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN prev IS NULL THEN 91 WHEN day - prev >= 90 THEN 90 ELSE day - prev END
      $$;
      CREATE VIEW stats_recount_hourly_activity AS
        SELECT date_trunc('hour', created_at, 'UTC') AS hour, user_id, chat_id,
               count(*)::integer AS messages,
               (count(*) FILTER (WHERE role = 'user'))::integer AS user_messages,
               coalesce(sum(length) FILTER (WHERE role = 'user'), 0)::bigint AS user_length,
               max(created_at) AS last_message_at
        FROM messages
        GROUP BY 1, 2, 3;

      CREATE VIEW stats_recount_hourly_totals AS
        SELECT hour, sum(messages)::bigint AS messages, sum(user_messages)::bigint AS user_messages, sum(user_length)::bigint AS user_length
        FROM stats_recount_hourly_activity
        GROUP BY hour;

      CREATE VIEW stats_recount_daily_activity AS
        SELECT day, user_id, chat_id, messages, user_messages, user_length, last_message_at,
               lag(day) OVER dialog AS prev_day, lead(day) OVER dialog AS next_day
        FROM (
          SELECT (created_at AT TIME ZONE 'UTC')::date AS day, user_id, chat_id,
                 count(*)::integer AS messages,
                 (count(*) FILTER (WHERE role = 'user'))::integer AS user_messages,
                 coalesce(sum(length) FILTER (WHERE role = 'user'), 0)::bigint AS user_length,
                 max(created_at) AS last_message_at
          FROM messages
          GROUP BY 1, 2, 3
        ) d
        WINDOW dialog AS (PARTITION BY user_id, chat_id ORDER BY day);

      CREATE VIEW stats_recount_user_daily AS
        SELECT day, user_id, messages, user_messages, last_message_at, last_user_message_at,
               CASE WHEN user_messages > 0 THEN lag(day) OVER writer END AS prev_write_day,
               CASE WHEN user_messages > 0 THEN lead(day) OVER writer END AS next_write_day
        FROM (
          SELECT (created_at AT TIME ZONE 'UTC')::date AS day, user_id,
                 count(*)::integer AS messages,
                 (count(*) FILTER (WHERE role = 'user'))::integer AS user_messages,
                 max(created_at) AS last_message_at,
                 max(created_at) FILTER (WHERE role = 'user') AS last_user_message_at
          FROM messages
          GROUP BY 1, 2
        ) d
        WINDOW writer AS (PARTITION BY user_id, user_messages > 0 ORDER BY day);

      CREATE VIEW stats_recount_daily_totals AS
        WITH dialog_days AS MATERIALIZED (
          SELECT day, messages, user_messages, user_length, stats_gap_bucket(day, prev_day) AS bucket
          FROM stats_recount_daily_activity
        ), writer_buckets AS (
          SELECT day, stats_gap_bucket(day, prev_write_day) AS bucket, count(*)::integer AS n
          FROM stats_recount_user_daily WHERE user_messages > 0
          GROUP BY 1, 2
        ), dialog_buckets AS (
          SELECT day, bucket, count(*)::integer AS n FROM dialog_days GROUP BY 1, 2
        ), days AS (
          SELECT day, sum(messages)::bigint AS messages, sum(user_messages)::bigint AS user_messages,
                 sum(user_length)::bigint AS user_length, count(*)::integer AS dialogs
          FROM dialog_days GROUP BY day
        ), grid AS (
          -- element k counts the rows whose gap bucket is k or more
          SELECT d.day, b.k,
                 (sum(coalesce(w.n, 0)) OVER (PARTITION BY d.day ORDER BY b.k DESC))::integer AS writers,
                 (sum(coalesce(x.n, 0)) OVER (PARTITION BY d.day ORDER BY b.k DESC))::integer AS dialogs
          FROM days d CROSS JOIN generate_series(1, 91) AS b(k)
          LEFT JOIN writer_buckets w ON w.day = d.day AND w.bucket = b.k
          LEFT JOIN dialog_buckets x ON x.day = d.day AND x.bucket = b.k
        ), arrays AS (
          SELECT day, array_agg(writers ORDER BY k) AS new_writers, array_agg(dialogs ORDER BY k) AS new_dialogs FROM grid GROUP BY day
        )
        SELECT d.day, d.messages, d.user_messages, d.user_length, a.new_writers[1] AS active_users, d.dialogs, a.new_writers, a.new_dialogs
        FROM days d JOIN arrays a USING (day);

      CREATE VIEW stats_recount_dialog_totals AS
        SELECT user_id, chat_id, count(*)::bigint AS messages,
               (count(*) FILTER (WHERE role = 'user'))::bigint AS user_messages,
               max(created_at) AS last_message_at
        FROM messages
        GROUP BY 1, 2;

      CREATE VIEW stats_recount_user_totals AS
        WITH days AS (
          SELECT (created_at AT TIME ZONE 'UTC')::date AS day, user_id, count(*) AS messages, max(created_at) AS last_message_at
          FROM messages GROUP BY 1, 2
        ), anchored AS (
          SELECT d.*, max(d.day) OVER (PARTITION BY d.user_id) AS last_day FROM days d
        )
        SELECT user_id, last_day, sum(messages)::bigint AS messages, max(last_message_at) AS last_message_at,
               (coalesce(sum(messages) FILTER (WHERE day > last_day - 7), 0))::integer AS messages_7d,
               (coalesce(sum(messages) FILTER (WHERE day > last_day - 30), 0))::integer AS messages_30d,
               (coalesce(sum(messages) FILTER (WHERE day > last_day - 90), 0))::integer AS messages_90d
        FROM anchored
        GROUP BY user_id, last_day;

      CREATE VIEW stats_recount_daily_new_users AS
        SELECT (first_seen_at AT TIME ZONE 'UTC')::date AS day, count(*)::integer AS users
        FROM users GROUP BY 1;`);

    await q.query(`
      CREATE FUNCTION stats_new_count(counts integer[], gap integer, delta integer) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN delta = 0 THEN counts ELSE (
          SELECT array_agg(counts[k] + CASE WHEN k <= CASE WHEN gap IS NULL THEN 91 ELSE least(gap, 90) END THEN delta ELSE 0 END ORDER BY k)
          FROM generate_series(1, 91) AS k) END
      $$;

      CREATE FUNCTION stats_count_message(sign integer, m messages) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        d          date := (m.created_at AT TIME ZONE 'UTC')::date;
        h          timestamptz := date_trunc('hour', m.created_at, 'UTC');
        wrote      integer := CASE WHEN m.role = 'user' THEN sign ELSE 0 END;
        wlen       bigint := CASE WHEN m.role = 'user' THEN sign * m.length ELSE 0 END;
        day_start  timestamptz := d::timestamp AT TIME ZONE 'UTC';
        ut         user_totals%ROWTYPE;
        n          integer;
        nw         integer;
        last_at    timestamptz;
        last_w     timestamptz;
        day_last   timestamptz;
        p          date;
        q          date;
        user_day_gone boolean := false;
        -- new_dialogs / new_writers changes: on the message's day (a row added or removed, gap days
        -- after the previous one), and on the next day of that chain, whose gap changes
        dialog_delta integer := 0; dialog_gap integer;
        dq date; dq_old_gap integer; dq_new_gap integer;
        writer_delta integer := 0; writer_gap integer;
        wq date; wq_old_gap integer; wq_new_gap integer;
      BEGIN
        -- The user's row first: it serializes every change to this user's rollups (the chains and
        -- anchored windows below are read, then written). A new user's row is created empty; when
        -- another writer holds it, this waits for it, and when that writer removed it (it removed the
        -- user's last message), creates it again.
        LOOP
          SELECT * INTO ut FROM user_totals WHERE user_id = m.user_id FOR UPDATE;
          EXIT WHEN FOUND;
          IF sign < 0 THEN
            RAISE EXCEPTION 'statistics rollups do not know user %', m.user_id USING HINT = 'SELECT rebuild_activity_rollups()';
          END IF;
          INSERT INTO user_totals (user_id, last_day, messages, last_message_at, messages_7d, messages_30d, messages_90d)
          VALUES (m.user_id, d, 0, m.created_at, 0, 0, 0) ON CONFLICT (user_id) DO NOTHING;
        END LOOP;

        -- hourly_activity: (hour, user, chat)
        UPDATE hourly_activity SET messages = messages + sign, user_messages = user_messages + wrote, user_length = user_length + wlen,
               last_message_at = CASE WHEN sign > 0 THEN greatest(last_message_at, m.created_at) ELSE last_message_at END
        WHERE hour = h AND user_id = m.user_id AND chat_id = m.chat_id
        RETURNING messages, last_message_at INTO n, last_at;
        IF NOT FOUND THEN
          IF sign < 0 THEN RAISE EXCEPTION 'statistics rollups lack hour % of dialog (%, %)', h, m.user_id, m.chat_id USING HINT = 'SELECT rebuild_activity_rollups()'; END IF;
          INSERT INTO hourly_activity (hour, user_id, chat_id, messages, user_messages, user_length, last_message_at)
          VALUES (h, m.user_id, m.chat_id, 1, wrote, wlen, m.created_at);
        ELSIF n = 0 THEN
          DELETE FROM hourly_activity WHERE hour = h AND user_id = m.user_id AND chat_id = m.chat_id;
        ELSIF sign < 0 AND m.created_at >= last_at THEN
          UPDATE hourly_activity SET last_message_at = coalesce((
            SELECT max(x.created_at) FROM messages x
            WHERE x.created_at >= h AND x.created_at < h + interval '1 hour' AND x.user_id = m.user_id AND x.chat_id = m.chat_id), last_message_at)
          WHERE hour = h AND user_id = m.user_id AND chat_id = m.chat_id;
        END IF;

        -- daily_activity: (day, user, chat), chained per dialog
        UPDATE daily_activity SET messages = messages + sign, user_messages = user_messages + wrote, user_length = user_length + wlen,
               last_message_at = CASE WHEN sign > 0 THEN greatest(last_message_at, m.created_at) ELSE last_message_at END
        WHERE day = d AND user_id = m.user_id AND chat_id = m.chat_id
        RETURNING messages, last_message_at, prev_day, next_day INTO n, last_at, p, q;
        IF NOT FOUND THEN
          IF sign < 0 THEN RAISE EXCEPTION 'statistics rollups lack day % of dialog (%, %)', d, m.user_id, m.chat_id USING HINT = 'SELECT rebuild_activity_rollups()'; END IF;
          SELECT max(a.day) INTO p FROM daily_activity a WHERE a.user_id = m.user_id AND a.chat_id = m.chat_id AND a.day < d;
          SELECT min(a.day) INTO q FROM daily_activity a WHERE a.user_id = m.user_id AND a.chat_id = m.chat_id AND a.day > d;
          INSERT INTO daily_activity (day, user_id, chat_id, messages, user_messages, user_length, last_message_at, prev_day, next_day)
          VALUES (d, m.user_id, m.chat_id, 1, wrote, wlen, m.created_at, p, q);
          UPDATE daily_activity SET next_day = d WHERE day = p AND user_id = m.user_id AND chat_id = m.chat_id;
          UPDATE daily_activity SET prev_day = d WHERE day = q AND user_id = m.user_id AND chat_id = m.chat_id;
          dialog_delta := 1; dialog_gap := d - p;
          IF q IS NOT NULL THEN dq := q; dq_old_gap := q - p; dq_new_gap := q - d; END IF;
        ELSIF n = 0 THEN
          DELETE FROM daily_activity WHERE day = d AND user_id = m.user_id AND chat_id = m.chat_id;
          UPDATE daily_activity SET next_day = q WHERE day = p AND user_id = m.user_id AND chat_id = m.chat_id;
          UPDATE daily_activity SET prev_day = p WHERE day = q AND user_id = m.user_id AND chat_id = m.chat_id;
          dialog_delta := -1; dialog_gap := d - p;
          IF q IS NOT NULL THEN dq := q; dq_old_gap := q - d; dq_new_gap := q - p; END IF;
        ELSIF sign < 0 AND m.created_at >= last_at THEN
          UPDATE daily_activity SET last_message_at = coalesce((
            SELECT max(x.last_message_at) FROM hourly_activity x
            WHERE x.hour >= day_start AND x.hour < day_start + interval '1 day' AND x.user_id = m.user_id AND x.chat_id = m.chat_id), last_message_at)
          WHERE day = d AND user_id = m.user_id AND chat_id = m.chat_id;
        END IF;

        -- user_daily: (day, user), chained per user over the days they wrote
        UPDATE user_daily SET messages = messages + sign, user_messages = user_messages + wrote,
               last_message_at = CASE WHEN sign > 0 THEN greatest(last_message_at, m.created_at) ELSE last_message_at END,
               last_user_message_at = CASE WHEN wrote > 0 THEN greatest(last_user_message_at, m.created_at) ELSE last_user_message_at END
        WHERE day = d AND user_id = m.user_id
        RETURNING messages, user_messages, last_message_at, last_user_message_at, prev_write_day, next_write_day INTO n, nw, last_at, last_w, p, q;
        IF NOT FOUND THEN
          IF sign < 0 THEN RAISE EXCEPTION 'statistics rollups lack day % of user %', d, m.user_id USING HINT = 'SELECT rebuild_activity_rollups()'; END IF;
          INSERT INTO user_daily (day, user_id, messages, user_messages, last_message_at, last_user_message_at)
          VALUES (d, m.user_id, 1, wrote, m.created_at, CASE WHEN wrote > 0 THEN m.created_at END);
          n := 1; nw := wrote; last_at := m.created_at;
        END IF;
        IF wrote > 0 AND nw = 1 THEN
          -- Now a day they wrote on: link it between the nearest such days.
          SELECT max(u.day) INTO p FROM user_daily u WHERE u.user_id = m.user_id AND u.day < d AND u.user_messages > 0;
          SELECT min(u.day) INTO q FROM user_daily u WHERE u.user_id = m.user_id AND u.day > d AND u.user_messages > 0;
          UPDATE user_daily SET prev_write_day = p, next_write_day = q WHERE day = d AND user_id = m.user_id;
          UPDATE user_daily SET next_write_day = d WHERE day = p AND user_id = m.user_id;
          UPDATE user_daily SET prev_write_day = d WHERE day = q AND user_id = m.user_id;
          writer_delta := 1; writer_gap := d - p;
          IF q IS NOT NULL THEN wq := q; wq_old_gap := q - p; wq_new_gap := q - d; END IF;
        ELSIF wrote < 0 AND nw = 0 THEN
          -- No longer a day they wrote on: unlink it.
          UPDATE user_daily SET next_write_day = q WHERE day = p AND user_id = m.user_id;
          UPDATE user_daily SET prev_write_day = p WHERE day = q AND user_id = m.user_id;
          writer_delta := -1; writer_gap := d - p;
          IF q IS NOT NULL THEN wq := q; wq_old_gap := q - d; wq_new_gap := q - p; END IF;
        END IF;
        IF n = 0 THEN
          DELETE FROM user_daily WHERE day = d AND user_id = m.user_id;
          user_day_gone := true;
        ELSIF sign < 0 THEN
          IF m.created_at >= last_at THEN
            SELECT max(a.last_message_at) INTO last_at FROM daily_activity a WHERE a.day = d AND a.user_id = m.user_id;
          END IF;
          IF nw = 0 THEN
            last_w := NULL;
          ELSIF wrote < 0 AND m.created_at >= last_w THEN
            last_w := coalesce((SELECT max(x.created_at) FROM messages x
                                WHERE x.created_at >= day_start AND x.created_at < day_start + interval '1 day'
                                  AND x.user_id = m.user_id AND x.role = 'user'), last_w);
          END IF;
          UPDATE user_daily SET last_message_at = last_at, last_user_message_at = last_w,
                 prev_write_day = CASE WHEN nw = 0 THEN NULL ELSE prev_write_day END,
                 next_write_day = CASE WHEN nw = 0 THEN NULL ELSE next_write_day END
          WHERE day = d AND user_id = m.user_id;
        END IF;
        day_last := last_at;

        -- dialog_totals: (user, chat), all time
        UPDATE dialog_totals SET messages = messages + sign, user_messages = user_messages + wrote,
               last_message_at = CASE WHEN sign > 0 THEN greatest(last_message_at, m.created_at) ELSE last_message_at END
        WHERE user_id = m.user_id AND chat_id = m.chat_id
        RETURNING messages, last_message_at INTO n, last_at;
        IF NOT FOUND THEN
          IF sign < 0 THEN RAISE EXCEPTION 'statistics rollups lack dialog (%, %)', m.user_id, m.chat_id USING HINT = 'SELECT rebuild_activity_rollups()'; END IF;
          INSERT INTO dialog_totals (user_id, chat_id, messages, user_messages, last_message_at) VALUES (m.user_id, m.chat_id, 1, wrote, m.created_at);
        ELSIF n = 0 THEN
          DELETE FROM dialog_totals WHERE user_id = m.user_id AND chat_id = m.chat_id;
        ELSIF sign < 0 AND m.created_at >= last_at THEN
          UPDATE dialog_totals SET last_message_at = coalesce((
            SELECT a.last_message_at FROM daily_activity a WHERE a.user_id = m.user_id AND a.chat_id = m.chat_id ORDER BY a.day DESC LIMIT 1), last_message_at)
          WHERE user_id = m.user_id AND chat_id = m.chat_id;
        END IF;

        -- user_totals: all time, and the 7/30/90 days ending with the user's latest day
        IF sign > 0 AND (ut.messages = 0 OR d > ut.last_day) THEN
          UPDATE user_totals SET last_day = d, messages = messages + 1, last_message_at = day_last,
                 messages_7d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > d - 7),
                 messages_30d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > d - 30),
                 messages_90d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > d - 90)
          WHERE user_id = m.user_id;
        ELSIF sign < 0 AND ut.messages = 1 THEN
          DELETE FROM user_totals WHERE user_id = m.user_id;
        ELSIF sign < 0 AND d = ut.last_day AND user_day_gone THEN
          -- Their latest day is gone: the one before becomes the anchor.
          SELECT u.day, u.last_message_at INTO p, last_at FROM user_daily u WHERE u.user_id = m.user_id ORDER BY u.day DESC LIMIT 1;
          UPDATE user_totals SET last_day = p, messages = messages - 1, last_message_at = last_at,
                 messages_7d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > p - 7),
                 messages_30d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > p - 30),
                 messages_90d = (SELECT sum(u.messages) FROM user_daily u WHERE u.user_id = m.user_id AND u.day > p - 90)
          WHERE user_id = m.user_id;
        ELSE
          UPDATE user_totals SET messages = messages + sign,
                 last_message_at = CASE WHEN d = last_day THEN day_last ELSE last_message_at END,
                 messages_7d = messages_7d + CASE WHEN d > last_day - 7 THEN sign ELSE 0 END,
                 messages_30d = messages_30d + CASE WHEN d > last_day - 30 THEN sign ELSE 0 END,
                 messages_90d = messages_90d + CASE WHEN d > last_day - 90 THEN sign ELSE 0 END
          WHERE user_id = m.user_id;
        END IF;

        -- Rows every writer of the hour / day updates, last and in ascending order (the hour, its day,
        -- then later days whose gaps changed): held as briefly as possible, and no deadlock between
        -- single-message writes.
        INSERT INTO hourly_totals AS t (hour, messages, user_messages, user_length) VALUES (h, sign, wrote, wlen)
        ON CONFLICT (hour) DO UPDATE SET messages = t.messages + EXCLUDED.messages, user_messages = t.user_messages + EXCLUDED.user_messages,
          user_length = t.user_length + EXCLUDED.user_length
        RETURNING t.messages INTO n;
        IF n = 0 THEN
          DELETE FROM hourly_totals WHERE hour = h;
        END IF;
        INSERT INTO daily_totals AS t (day, messages, user_messages, user_length, active_users, dialogs, new_writers, new_dialogs)
        VALUES (d, sign, wrote, wlen, writer_delta, dialog_delta,
                stats_new_count(array_fill(0, ARRAY[91]), writer_gap, writer_delta),
                stats_new_count(array_fill(0, ARRAY[91]), dialog_gap, dialog_delta))
        ON CONFLICT (day) DO UPDATE SET
          messages = t.messages + EXCLUDED.messages,
          user_messages = t.user_messages + EXCLUDED.user_messages,
          user_length = t.user_length + EXCLUDED.user_length,
          active_users = t.active_users + EXCLUDED.active_users,
          dialogs = t.dialogs + EXCLUDED.dialogs,
          new_writers = stats_new_count(t.new_writers, writer_gap, writer_delta),
          new_dialogs = stats_new_count(t.new_dialogs, dialog_gap, dialog_delta)
        RETURNING t.messages INTO n;
        IF n = 0 THEN
          DELETE FROM daily_totals WHERE day = d;
        END IF;
        FOR q IN SELECT x FROM unnest(ARRAY[dq, wq]) AS x WHERE x IS NOT NULL GROUP BY x ORDER BY x LOOP
          UPDATE daily_totals SET
            new_dialogs = CASE WHEN q = dq THEN stats_new_count(stats_new_count(new_dialogs, dq_old_gap, -1), dq_new_gap, 1) ELSE new_dialogs END,
            new_writers = CASE WHEN q = wq THEN stats_new_count(stats_new_count(new_writers, wq_old_gap, -1), wq_new_gap, 1) ELSE new_writers END
          WHERE day = q;
        END LOOP;
      END $$;

      CREATE FUNCTION stats_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM stats_count_message(-1, OLD); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM stats_count_message(1, NEW); END IF;
        RETURN NULL;
      END $$;`);

    await q.query(`
      CREATE FUNCTION rebuild_activity_rollups() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Locks messages against writers until the caller commits, so nothing is counted twice or missed.
        LOCK TABLE messages IN SHARE MODE;
        TRUNCATE hourly_activity, hourly_totals, daily_activity, user_daily, daily_totals, dialog_totals, user_totals, daily_new_users;
        INSERT INTO hourly_activity SELECT * FROM stats_recount_hourly_activity;
        INSERT INTO hourly_totals SELECT * FROM stats_recount_hourly_totals;
        INSERT INTO daily_activity (day, user_id, chat_id, messages, user_messages, user_length, last_message_at, prev_day, next_day)
          SELECT day, user_id, chat_id, messages, user_messages, user_length, last_message_at, prev_day, next_day FROM stats_recount_daily_activity;
        INSERT INTO user_daily (day, user_id, messages, user_messages, last_message_at, last_user_message_at, prev_write_day, next_write_day)
          SELECT day, user_id, messages, user_messages, last_message_at, last_user_message_at, prev_write_day, next_write_day FROM stats_recount_user_daily;
        INSERT INTO daily_totals (day, messages, user_messages, user_length, active_users, dialogs, new_writers, new_dialogs)
          SELECT day, messages, user_messages, user_length, active_users, dialogs, new_writers, new_dialogs FROM stats_recount_daily_totals;
        INSERT INTO dialog_totals (user_id, chat_id, messages, user_messages, last_message_at)
          SELECT user_id, chat_id, messages, user_messages, last_message_at FROM stats_recount_dialog_totals;
        INSERT INTO user_totals (user_id, last_day, messages, last_message_at, messages_7d, messages_30d, messages_90d)
          SELECT user_id, last_day, messages, last_message_at, messages_7d, messages_30d, messages_90d FROM stats_recount_user_totals;
        INSERT INTO daily_new_users (day, users) SELECT day, users FROM stats_recount_daily_new_users;
      END $$;

      CREATE FUNCTION activity_rollup_differences() RETURNS TABLE (rollup text, problem text, row_data text) LANGUAGE sql STABLE AS $$
        WITH
        hourly_actual AS (SELECT hour, user_id, chat_id, messages, user_messages, user_length, last_message_at FROM hourly_activity),
        hourly_expected AS (SELECT hour, user_id, chat_id, messages, user_messages, user_length, last_message_at FROM stats_recount_hourly_activity),
        hourly_totals_actual AS (SELECT hour, messages, user_messages, user_length FROM hourly_totals),
        hourly_totals_expected AS (SELECT hour, messages, user_messages, user_length FROM stats_recount_hourly_totals),
        daily_actual AS (SELECT day, user_id, chat_id, messages, user_messages, user_length, last_message_at, prev_day, next_day FROM daily_activity),
        daily_expected AS (SELECT day, user_id, chat_id, messages, user_messages, user_length, last_message_at, prev_day, next_day FROM stats_recount_daily_activity),
        user_daily_actual AS (SELECT day, user_id, messages, user_messages, last_message_at, last_user_message_at, prev_write_day, next_write_day FROM user_daily),
        user_daily_expected AS (SELECT day, user_id, messages, user_messages, last_message_at, last_user_message_at, prev_write_day, next_write_day FROM stats_recount_user_daily),
        totals_actual AS (SELECT day, messages, user_messages, user_length, active_users, dialogs, new_writers, new_dialogs FROM daily_totals),
        totals_expected AS (SELECT day, messages, user_messages, user_length, active_users, dialogs, new_writers, new_dialogs FROM stats_recount_daily_totals),
        dialogs_actual AS (SELECT user_id, chat_id, messages, user_messages, last_message_at FROM dialog_totals),
        dialogs_expected AS (SELECT user_id, chat_id, messages, user_messages, last_message_at FROM stats_recount_dialog_totals),
        users_actual AS (SELECT user_id, last_day, messages, last_message_at, messages_7d, messages_30d, messages_90d FROM user_totals),
        users_expected AS (SELECT user_id, last_day, messages, last_message_at, messages_7d, messages_30d, messages_90d FROM stats_recount_user_totals),
        new_users_actual AS (SELECT day, users FROM daily_new_users WHERE users <> 0),
        new_users_expected AS (SELECT day, users FROM stats_recount_daily_new_users)
        SELECT 'hourly_activity', 'missing', r::text FROM (TABLE hourly_expected EXCEPT ALL TABLE hourly_actual) r
        UNION ALL SELECT 'hourly_activity', 'unexpected', r::text FROM (TABLE hourly_actual EXCEPT ALL TABLE hourly_expected) r
        UNION ALL SELECT 'hourly_totals', 'missing', r::text FROM (TABLE hourly_totals_expected EXCEPT ALL TABLE hourly_totals_actual) r
        UNION ALL SELECT 'hourly_totals', 'unexpected', r::text FROM (TABLE hourly_totals_actual EXCEPT ALL TABLE hourly_totals_expected) r
        UNION ALL SELECT 'daily_activity', 'missing', r::text FROM (TABLE daily_expected EXCEPT ALL TABLE daily_actual) r
        UNION ALL SELECT 'daily_activity', 'unexpected', r::text FROM (TABLE daily_actual EXCEPT ALL TABLE daily_expected) r
        UNION ALL SELECT 'user_daily', 'missing', r::text FROM (TABLE user_daily_expected EXCEPT ALL TABLE user_daily_actual) r
        UNION ALL SELECT 'user_daily', 'unexpected', r::text FROM (TABLE user_daily_actual EXCEPT ALL TABLE user_daily_expected) r
        UNION ALL SELECT 'daily_totals', 'missing', r::text FROM (TABLE totals_expected EXCEPT ALL TABLE totals_actual) r
        UNION ALL SELECT 'daily_totals', 'unexpected', r::text FROM (TABLE totals_actual EXCEPT ALL TABLE totals_expected) r
        UNION ALL SELECT 'dialog_totals', 'missing', r::text FROM (TABLE dialogs_expected EXCEPT ALL TABLE dialogs_actual) r
        UNION ALL SELECT 'dialog_totals', 'unexpected', r::text FROM (TABLE dialogs_actual EXCEPT ALL TABLE dialogs_expected) r
        UNION ALL SELECT 'user_totals', 'missing', r::text FROM (TABLE users_expected EXCEPT ALL TABLE users_actual) r
        UNION ALL SELECT 'user_totals', 'unexpected', r::text FROM (TABLE users_actual EXCEPT ALL TABLE users_expected) r
        UNION ALL SELECT 'daily_new_users', 'missing', r::text FROM (TABLE new_users_expected EXCEPT ALL TABLE new_users_actual) r
        UNION ALL SELECT 'daily_new_users', 'unexpected', r::text FROM (TABLE new_users_actual EXCEPT ALL TABLE new_users_expected) r
      $$;`);

    await q.query('SELECT rebuild_activity_rollups()');
    await q.query(`
      CREATE TRIGGER messages_stats AFTER INSERT OR DELETE ON messages FOR EACH ROW EXECUTE FUNCTION stats_on_message();
      CREATE TRIGGER messages_stats_moved AFTER UPDATE OF user_id, chat_id, role, length, created_at ON messages FOR EACH ROW
        WHEN ((OLD.user_id, OLD.chat_id, OLD.role, OLD.length, OLD.created_at) IS DISTINCT FROM (NEW.user_id, NEW.chat_id, NEW.role, NEW.length, NEW.created_at))
        EXECUTE FUNCTION stats_on_message()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('SET LOCAL statement_timeout = 0');
    await q.query(`
      DROP TRIGGER messages_stats_moved ON messages;
      DROP TRIGGER messages_stats ON messages;
      DROP FUNCTION activity_rollup_differences();
      DROP FUNCTION rebuild_activity_rollups();
      DROP FUNCTION stats_on_message();
      DROP FUNCTION stats_count_message(integer, messages);
      DROP FUNCTION stats_new_count(integer[], integer, integer);
      DROP VIEW stats_recount_user_totals, stats_recount_dialog_totals, stats_recount_daily_totals, stats_recount_user_daily,
        stats_recount_daily_activity, stats_recount_hourly_totals, stats_recount_hourly_activity, stats_recount_daily_new_users;
      DROP FUNCTION stats_gap_bucket(date, date);
      DROP TABLE user_totals, user_daily, hourly_totals, hourly_activity;
      ALTER TABLE daily_totals DROP COLUMN new_writers, DROP COLUMN new_dialogs;
      ALTER TABLE daily_activity DROP COLUMN prev_day, DROP COLUMN next_day;
      CREATE INDEX daily_activity_window_idx ON daily_activity (day) INCLUDE (user_id, chat_id, messages, user_messages, last_message_at)`);
    // ActivityTotals1764547200000 and InitialSchema1764374400000 as they were.
    await q.query(`
      CREATE FUNCTION daily_activity_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO daily_activity AS d (day, user_id, chat_id, messages, user_messages, user_length, last_message_at)
        VALUES ((NEW.created_at AT TIME ZONE 'UTC')::date, NEW.user_id, NEW.chat_id, 1,
                CASE WHEN NEW.role = 'user' THEN 1 ELSE 0 END,
                CASE WHEN NEW.role = 'user' THEN NEW.length ELSE 0 END,
                NEW.created_at)
        ON CONFLICT (day, user_id, chat_id) DO UPDATE SET
          messages = d.messages + 1,
          user_messages = d.user_messages + EXCLUDED.user_messages,
          user_length = d.user_length + EXCLUDED.user_length,
          last_message_at = GREATEST(d.last_message_at, EXCLUDED.last_message_at);
        RETURN NULL;
      END $$;

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
      END $$;

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
      $$;

      CREATE FUNCTION rebuild_activity_rollups() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
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
      END $$;

      CREATE TRIGGER daily_activity_totals AFTER INSERT OR UPDATE ON daily_activity
      FOR EACH ROW EXECUTE FUNCTION activity_totals_on_daily_activity();
      CREATE TRIGGER messages_daily_activity AFTER INSERT ON messages
      FOR EACH ROW EXECUTE FUNCTION daily_activity_on_message()`);
    await q.query('SELECT rebuild_activity_rollups()');
  }
}
