import { StatsWindow } from '../stats-window';
import { recentDialogsJson, seriesJson, Statement, topUsersJson, usersKnownBefore } from './stats-row';

/**
 * `7d`, `30d`, `90d`: whole UTC days from the rollups, plus the previous window's partial
 * first day from `messages`.
 *
 * - Series and additive KPIs (messages, users' messages and length): `daily_totals`, one
 *   row per day. Today's row holds everything written so far, i.e. up to now.
 * - Current window, per user (active users, top users): `daily_activity` from `from` on.
 * - Current dialogs and the recent-dialogs list: `dialog_totals` (last message ≥ `from`).
 * - Previous window: it is as long as the current one, so it starts inside a day (at 06:00
 *   today, a 7d window's previous one starts at 18:00, 13 days ago); that day's part
 *   ("head") comes from `messages`, its whole days from `daily_activity`/`daily_totals`.
 *
 * $1 from (00:00 UTC), $2 to (now), $3 previous window start, $4 list length.
 */
const SQL = `
WITH w AS (
  SELECT $1::timestamptz AS from_ts, $2::timestamptz AS to_ts, $3::timestamptz AS prev_from,
         ($1::timestamptz AT TIME ZONE 'UTC')::date AS from_day,
         ($2::timestamptz AT TIME ZONE 'UTC')::date AS to_day,
         -- First 00:00 at or after the previous window's start.
         date_trunc('day', $3::timestamptz + interval '1 day' - interval '1 microsecond', 'UTC') AS prev_days_from
),
head AS MATERIALIZED (
  SELECT m.user_id, m.chat_id, count(*) AS messages, count(*) FILTER (WHERE m.role = 'user') AS user_messages,
         coalesce(sum(m.length) FILTER (WHERE m.role = 'user'), 0) AS user_length
  FROM messages m, w
  WHERE m.created_at >= w.prev_from AND m.created_at < w.prev_days_from
  GROUP BY m.user_id, m.chat_id
),
prev_dialogs AS MATERIALIZED (
  SELECT r.user_id, r.chat_id, bool_or(r.wrote) AS wrote
  FROM (
    SELECT a.user_id, a.chat_id, a.user_messages > 0 AS wrote
    FROM daily_activity a, w
    WHERE a.day >= (w.prev_days_from AT TIME ZONE 'UTC')::date AND a.day < w.from_day
    UNION ALL
    SELECT h.user_id, h.chat_id, h.user_messages > 0 FROM head h
  ) r
  GROUP BY r.user_id, r.chat_id
),
current_users AS MATERIALIZED (
  SELECT a.user_id, sum(a.messages) AS messages, max(a.last_message_at) AS last_at, bool_or(a.user_messages > 0) AS wrote
  FROM daily_activity a, w
  WHERE a.day >= w.from_day AND a.day <= w.to_day
  GROUP BY a.user_id
),
day_sums AS (
  SELECT coalesce(sum(t.messages) FILTER (WHERE t.day >= w.from_day), 0) AS messages,
         coalesce(sum(t.user_messages) FILTER (WHERE t.day >= w.from_day), 0) AS user_messages,
         coalesce(sum(t.user_length) FILTER (WHERE t.day >= w.from_day), 0) AS user_length,
         coalesce(sum(t.messages) FILTER (WHERE t.day < w.from_day), 0) AS messages_prev,
         coalesce(sum(t.user_messages) FILTER (WHERE t.day < w.from_day), 0) AS user_messages_prev,
         coalesce(sum(t.user_length) FILTER (WHERE t.day < w.from_day), 0) AS user_length_prev
  FROM daily_totals t, w
  WHERE t.day >= (w.prev_days_from AT TIME ZONE 'UTC')::date AND t.day <= w.to_day
),
head_sums AS (
  SELECT coalesce(sum(messages), 0) AS messages, coalesce(sum(user_messages), 0) AS user_messages,
         coalesce(sum(user_length), 0) AS user_length
  FROM head
),
known_users AS (
  SELECT ${usersKnownBefore('w.to_ts')} AS total, ${usersKnownBefore('w.from_ts')} AS total_prev
  FROM w
),
ranked AS (
  SELECT user_id, messages, last_at FROM current_users
  ORDER BY messages DESC, last_at DESC, user_id
  LIMIT $4
),
recent AS (
  SELECT d.user_id, d.chat_id, d.last_message_at
  FROM dialog_totals d, w
  WHERE d.last_message_at >= w.from_ts
  ORDER BY d.last_message_at DESC, d.chat_id, d.user_id
  LIMIT $4
),
buckets AS (
  SELECT g.t FROM w, generate_series(w.from_ts, w.to_ts, interval '24 hours') AS g(t)
),
day_counts AS (
  SELECT t.day::timestamp AT TIME ZONE 'UTC' AS t, t.messages, t.active_users
  FROM daily_totals t, w
  WHERE t.day >= w.from_day AND t.day <= w.to_day
)
SELECT
  w.from_ts,
  json_build_object(
    'total_users', k.total,
    'total_users_prev', k.total_prev,
    'active_users', (SELECT count(*) FROM current_users WHERE wrote),
    'active_users_prev', (SELECT count(DISTINCT user_id) FROM prev_dialogs WHERE wrote),
    'dialogs', (SELECT count(*) FROM dialog_totals d WHERE d.last_message_at >= w.from_ts),
    'dialogs_prev', (SELECT count(*) FROM prev_dialogs),
    'messages', s.messages,
    'messages_prev', s.messages_prev + h.messages,
    'user_messages', s.user_messages,
    'user_messages_prev', s.user_messages_prev + h.user_messages,
    'user_length', s.user_length,
    'user_length_prev', s.user_length_prev + h.user_length
  ) AS kpis,
  (${seriesJson('buckets', 'day_counts')}) AS series,
  (${topUsersJson('ranked')}) AS top_users,
  (${recentDialogsJson('recent', `(SELECT coalesce(sum(a.messages), 0) FROM daily_activity a
                    WHERE a.user_id = r.user_id AND a.chat_id = r.chat_id AND a.day >= w.from_day AND a.day <= w.to_day)`)}) AS recent_dialogs
FROM w, known_users k, day_sums s, head_sums h`;

export function dailyWindowStatement(window: StatsWindow, limit: number): Statement {
  return { sql: SQL, params: [window.from, window.to, window.previousFrom, limit] };
}
