import { StatsWindow } from '../stats-window';
import { recentDialogsJson, seriesJson, SNAPSHOT_COLUMN, Statement, topUsersJson, usersKnownBefore } from './stats-row';
import { addHours, startOfHour } from './window-params';

/**
 * `24h`: hourly buckets, so everything comes from rows per (hour, user, chat) over both windows
 * (about two days): `hourly_activity` for the whole hours, `messages` for the two partial ones —
 * the previous window's first hour (it starts mid-hour) and the current hour, up to `to` (nothing
 * at or after `to`). Every aggregate is computed from those rows. The current window starts on
 * the hour, so an hour belongs wholly to one window.
 *
 * $1 from (start of an hour), $2 to, $3 previous window start, $4 list length, $5 start of to's
 * hour, $6 the previous window's first whole hour.
 */
const SQL = `
WITH w AS (
  SELECT $1::timestamptz AS from_ts, $2::timestamptz AS to_ts
),
hourly AS MATERIALIZED (
  SELECT h.hour >= $1::timestamptz AS cur, h.hour, h.user_id, h.chat_id, h.messages, h.user_messages, h.user_length, h.last_message_at
  FROM hourly_activity h
  WHERE h.hour >= $6::timestamptz AND h.hour < $5::timestamptz
  UNION ALL
  SELECT m.created_at >= $5::timestamptz, date_trunc('hour', m.created_at, 'UTC'), m.user_id, m.chat_id,
         count(*), count(*) FILTER (WHERE m.role = 'user'),
         coalesce(sum(m.length) FILTER (WHERE m.role = 'user'), 0), max(m.created_at)
  FROM messages m
  WHERE (m.created_at >= $3::timestamptz AND m.created_at < $6::timestamptz)
     OR (m.created_at >= $5::timestamptz AND m.created_at < $2::timestamptz)
  GROUP BY 1, 2, 3, 4
),
dialogs AS MATERIALIZED (
  SELECT cur, user_id, chat_id, sum(messages) AS messages, sum(user_messages) AS user_messages, max(last_message_at) AS last_message_at
  FROM hourly
  GROUP BY cur, user_id, chat_id
),
window_users AS MATERIALIZED (
  SELECT cur, user_id, sum(messages) AS messages, max(last_message_at) AS last_at, bool_or(user_messages > 0) AS wrote
  FROM dialogs
  GROUP BY cur, user_id
),
sums AS (
  SELECT coalesce(sum(messages) FILTER (WHERE cur), 0) AS messages,
         coalesce(sum(user_messages) FILTER (WHERE cur), 0) AS user_messages,
         coalesce(sum(user_length) FILTER (WHERE cur), 0) AS user_length,
         coalesce(sum(messages) FILTER (WHERE NOT cur), 0) AS messages_prev,
         coalesce(sum(user_messages) FILTER (WHERE NOT cur), 0) AS user_messages_prev,
         coalesce(sum(user_length) FILTER (WHERE NOT cur), 0) AS user_length_prev
  FROM hourly
),
known_users AS (
  SELECT ${usersKnownBefore('w.to_ts')} AS total, ${usersKnownBefore('w.from_ts')} AS total_prev
  FROM w
),
ranked AS (
  SELECT user_id, messages, last_at FROM window_users WHERE cur
  ORDER BY messages DESC, last_at DESC, user_id
  LIMIT $4
),
recent AS (
  SELECT user_id, chat_id, last_message_at, messages FROM dialogs WHERE cur
  ORDER BY last_message_at DESC, chat_id, user_id
  LIMIT $4
),
buckets AS (
  SELECT g.t FROM w, generate_series(w.from_ts, w.to_ts, interval '1 hour') AS g(t)
),
hour_counts AS (
  SELECT hour AS t, sum(messages) AS messages, count(DISTINCT user_id) FILTER (WHERE user_messages > 0) AS active_users
  FROM hourly
  WHERE cur
  GROUP BY hour
)
SELECT
  w.from_ts,
  json_build_object(
    'total_users', k.total,
    'total_users_prev', k.total_prev,
    'active_users', (SELECT count(*) FROM window_users WHERE cur AND wrote),
    'active_users_prev', (SELECT count(*) FROM window_users WHERE NOT cur AND wrote),
    'dialogs', (SELECT count(*) FROM dialogs WHERE cur),
    'dialogs_prev', (SELECT count(*) FROM dialogs WHERE NOT cur),
    'messages', s.messages,
    'messages_prev', s.messages_prev,
    'user_messages', s.user_messages,
    'user_messages_prev', s.user_messages_prev,
    'user_length', s.user_length,
    'user_length_prev', s.user_length_prev
  ) AS kpis,
  (${seriesJson('buckets', 'hour_counts')}) AS series,
  (${topUsersJson('ranked')}) AS top_users,
  (${recentDialogsJson('recent', 'r.messages')}) AS recent_dialogs,
  ${SNAPSHOT_COLUMN}
FROM w, known_users k, sums s`;

export function hourlyWindowStatement(window: StatsWindow, limit: number): Statement {
  const previousFrom = window.previousFrom!;
  return { name: 'stats_24h', sql: SQL, params: [window.from, window.to, previousFrom, limit, startOfHour(window.to), addHours(startOfHour(previousFrom), 1)] };
}
