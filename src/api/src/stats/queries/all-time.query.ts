import { StatsWindow } from '../stats-window';
import { recentDialogsJson, seriesJson, Statement, topUsersJson, usersKnownBefore } from './stats-row';

/**
 * `all`: everything up to now, so the all-time rollups answer directly: `daily_totals` for
 * the series and additive KPIs, `dialog_totals` for dialogs, active users, top users and
 * recent dialogs. The window starts on the first day with a message.
 *
 * $1 to (now), $2 list length.
 */
const SQL = `
WITH w AS (
  SELECT $1::timestamptz AS to_ts, ($1::timestamptz AT TIME ZONE 'UTC')::date AS to_day,
         least(coalesce((SELECT min(day) FROM daily_totals), ($1::timestamptz AT TIME ZONE 'UTC')::date),
               ($1::timestamptz AT TIME ZONE 'UTC')::date) AS from_day
),
day_sums AS (
  SELECT coalesce(sum(t.messages), 0) AS messages, coalesce(sum(t.user_messages), 0) AS user_messages,
         coalesce(sum(t.user_length), 0) AS user_length
  FROM daily_totals t, w
  WHERE t.day <= w.to_day
),
dialog_counts AS (
  SELECT count(*) AS dialogs, count(DISTINCT user_id) FILTER (WHERE user_messages > 0) AS active_users
  FROM dialog_totals
),
known_users AS (
  SELECT ${usersKnownBefore('w.to_ts')} AS total FROM w
),
ranked AS (
  SELECT user_id, sum(messages) AS messages, max(last_message_at) AS last_at
  FROM dialog_totals
  GROUP BY user_id
  ORDER BY messages DESC, last_at DESC, user_id
  LIMIT $2
),
recent AS (
  SELECT user_id, chat_id, last_message_at, messages
  FROM dialog_totals
  ORDER BY last_message_at DESC, chat_id, user_id
  LIMIT $2
),
buckets AS (
  SELECT g.t FROM w, generate_series(w.from_day::timestamp AT TIME ZONE 'UTC', w.to_ts, interval '24 hours') AS g(t)
),
day_counts AS (
  SELECT t.day::timestamp AT TIME ZONE 'UTC' AS t, t.messages, t.active_users FROM daily_totals t, w WHERE t.day <= w.to_day
)
SELECT
  w.from_day::timestamp AT TIME ZONE 'UTC' AS from_ts,
  json_build_object(
    'total_users', k.total, 'total_users_prev', NULL,
    'active_users', d.active_users, 'active_users_prev', NULL,
    'dialogs', d.dialogs, 'dialogs_prev', NULL,
    'messages', s.messages, 'messages_prev', NULL,
    'user_messages', s.user_messages, 'user_messages_prev', NULL,
    'user_length', s.user_length, 'user_length_prev', NULL
  ) AS kpis,
  (${seriesJson('buckets', 'day_counts')}) AS series,
  (${topUsersJson('ranked')}) AS top_users,
  (${recentDialogsJson('recent', 'r.messages')}) AS recent_dialogs
FROM w, known_users k, day_sums s, dialog_counts d`;

export function allTimeStatement(window: StatsWindow, limit: number): Statement {
  return { sql: SQL, params: [window.to, limit] };
}
