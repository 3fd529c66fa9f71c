import { StatsWindow } from '../stats-window';
import { recentDialogsJson, seriesJson, SNAPSHOT_COLUMN, Statement, tailCtes, topUsersJson, usersKnownBefore } from './stats-row';
import { startOfDay, utcDay } from './window-params';

/**
 * `all`: everything before `to`, from the rollups. The window starts on the first day with a
 * message. Distinct users who wrote (dialogs) are Σ new_writers[91] (new_dialogs[91]): each
 * counted on the first day they wrote (had a message) at all. Top users by their all-time
 * messages (`user_totals.messages`, which bounds what they have before `to`), recent dialogs
 * from `dialog_totals`; everything at or after `to` subtracted (see tailCtes).
 *
 * $1 to, $2 list length, $3 to's day, $4 00:00 of to's day.
 */
const SQL = `
WITH RECURSIVE
${tailCtes('$1::timestamptz', '$4::timestamptz', '$3::date')},
tail_users AS MATERIALIZED (
  SELECT user_id, count(*) AS messages FROM tail GROUP BY user_id
),
tail_dialogs AS MATERIALIZED (
  SELECT user_id, chat_id, count(*) AS messages FROM tail GROUP BY user_id, chat_id
),
days AS MATERIALIZED (
  SELECT t.day, t.messages, t.user_messages, t.user_length, t.active_users, t.new_writers[91] AS first_writers,
         t.new_dialogs[91] AS first_dialogs
  FROM daily_totals t
  WHERE t.day <= $3::date
),
sums AS (
  SELECT least(coalesce(min(day), $3::date), $3::date) AS from_day,
         coalesce(sum(messages), 0) AS messages, coalesce(sum(user_messages), 0) AS user_messages,
         coalesce(sum(user_length), 0) AS user_length,
         coalesce(sum(first_writers), 0) AS writers, coalesce(sum(first_dialogs), 0) AS dialogs
  FROM days
),
tail_sums AS (
  SELECT coalesce(sum(messages), 0) AS messages, coalesce(sum(user_messages), 0) AS user_messages,
         coalesce(sum(user_length), 0) AS user_length
  FROM tail_today
),
-- Top users: the search of the daily windows (see there), bounded by all-time messages.
first AS (
  SELECT ut.user_id, ut.messages - coalesce(t.messages, 0) AS messages
  FROM (SELECT user_id, messages FROM user_totals ORDER BY messages DESC, user_id DESC LIMIT $2) ut
  LEFT JOIN tail_users t USING (user_id)
),
threshold AS (
  SELECT greatest(1, coalesce((SELECT messages FROM first ORDER BY messages DESC OFFSET $2 - 1 LIMIT 1), 1)) AS messages
),
walk (user_id, bound) AS (
  (SELECT ut.user_id, ut.messages FROM user_totals ut ORDER BY ut.messages DESC, ut.user_id DESC LIMIT 1)
  UNION ALL
  SELECT n.user_id, n.bound
  FROM walk wk CROSS JOIN threshold th CROSS JOIN LATERAL (
    SELECT ut.user_id, ut.messages AS bound FROM user_totals ut
    WHERE (ut.messages, ut.user_id) < (wk.bound, wk.user_id)
    ORDER BY ut.messages DESC, ut.user_id DESC
    LIMIT 1
  ) n
  WHERE wk.bound >= th.messages
),
ranked AS (
  SELECT ut.user_id, ut.messages - coalesce(t.messages, 0) AS messages,
         CASE WHEN ut.last_message_at < $1::timestamptz THEN ut.last_message_at ELSE greatest(
           (SELECT u.last_message_at FROM user_daily u WHERE u.user_id = ut.user_id AND u.day < $3::date ORDER BY u.day DESC LIMIT 1),
           (SELECT m.created_at FROM messages m
            WHERE m.created_at >= $4::timestamptz AND m.created_at < $1::timestamptz AND m.user_id = ut.user_id
            ORDER BY m.created_at DESC LIMIT 1)) END AS last_at
  FROM walk wk
  JOIN threshold th ON wk.bound >= th.messages
  JOIN user_totals ut ON ut.user_id = wk.user_id
  LEFT JOIN tail_users t ON t.user_id = ut.user_id
  WHERE ut.messages - coalesce(t.messages, 0) > 0
  ORDER BY 2 DESC, 3 DESC, 1
  LIMIT $2
),
recent AS (
  SELECT r.user_id, r.chat_id, r.last_message_at FROM (
    (SELECT d.user_id, d.chat_id, d.last_message_at FROM dialog_totals d
     WHERE d.last_message_at < $1::timestamptz
     ORDER BY d.last_message_at DESC, d.chat_id, d.user_id
     LIMIT $2)
    UNION ALL
    SELECT td.user_id, td.chat_id, greatest(
      (SELECT a.last_message_at FROM daily_activity a
       WHERE a.user_id = td.user_id AND a.chat_id = td.chat_id AND a.day < $3::date ORDER BY a.day DESC LIMIT 1),
      (SELECT m.created_at FROM messages m
       WHERE m.created_at >= $4::timestamptz AND m.created_at < $1::timestamptz AND m.user_id = td.user_id AND m.chat_id = td.chat_id
       ORDER BY m.created_at DESC LIMIT 1))
    FROM tail_dialogs td
  ) r
  WHERE r.last_message_at IS NOT NULL
  ORDER BY r.last_message_at DESC, r.chat_id, r.user_id
  LIMIT $2
),
buckets AS (
  SELECT g.t FROM sums s, generate_series(s.from_day::timestamp AT TIME ZONE 'UTC', $1::timestamptz, interval '24 hours') AS g(t)
),
day_counts AS (
  SELECT d.day::timestamp AT TIME ZONE 'UTC' AS t,
         d.messages - CASE WHEN d.day = $3::date THEN ts.messages ELSE 0 END AS messages,
         d.active_users - CASE WHEN d.day = $3::date THEN (SELECT count(*) FROM writers_gone) ELSE 0 END AS active_users
  FROM days d, tail_sums ts
)
SELECT
  s.from_day::timestamp AT TIME ZONE 'UTC' AS from_ts,
  json_build_object(
    'total_users', ${usersKnownBefore('$1::timestamptz')}, 'total_users_prev', NULL,
    'active_users', s.writers - (SELECT count(*) FROM writers_gone WHERE prev_write_day IS NULL), 'active_users_prev', NULL,
    'dialogs', s.dialogs - (SELECT count(*) FROM dialogs_gone WHERE prev_day IS NULL), 'dialogs_prev', NULL,
    'messages', s.messages - ts.messages, 'messages_prev', NULL,
    'user_messages', s.user_messages - ts.user_messages, 'user_messages_prev', NULL,
    'user_length', s.user_length - ts.user_length, 'user_length_prev', NULL
  ) AS kpis,
  (${seriesJson('buckets', 'day_counts')}) AS series,
  (${topUsersJson('ranked')}) AS top_users,
  (${recentDialogsJson('recent', `(SELECT d.messages FROM dialog_totals d WHERE d.user_id = r.user_id AND d.chat_id = r.chat_id)
                   - coalesce((SELECT t.messages FROM tail_dialogs t WHERE t.user_id = r.user_id AND t.chat_id = r.chat_id), 0)`)}) AS recent_dialogs,
  ${SNAPSHOT_COLUMN}
FROM sums s, tail_sums ts`;

export function allTimeStatement(window: StatsWindow, limit: number): Statement {
  return { name: 'stats_all', sql: SQL, params: [window.to, limit, utcDay(window.to), startOfDay(window.to)] };
}
