import { StatsWindow } from '../stats-window';
import { recentDialogsJson, seriesJson, SNAPSHOT_COLUMN, Statement, tailCtes, topUsersJson, usersKnownBefore } from './stats-row';
import { addDays, addHours, startOfDay, startOfHour, utcDay } from './window-params';

/**
 * A user's messages in the window (their days in it, less today's after to), the last of those
 * days' latest messages before to, and their messages of to's day (rollup rows). `u` has
 * user_id and last_day (null: unknown); a user whose latest day is before the window scores 0
 * without a look.
 */
const score = (u: string) => `
    SELECT (coalesce(sum(d.messages), 0) - coalesce((SELECT x.messages FROM tail_today_users x WHERE x.user_id = ${u}.user_id), 0))::bigint AS messages,
           max(d.last_message_at) FILTER (WHERE d.last_message_at < $2::timestamptz) AS last_at,
           coalesce(sum(d.messages) FILTER (WHERE d.day = $6::date), 0) AS today_messages
    FROM user_daily d
    WHERE d.user_id = ${u}.user_id AND d.day >= $5::date AND d.day <= $6::date AND (${u}.last_day IS NULL OR ${u}.last_day >= $5::date)`;

/**
 * `7d`, `30d`, `90d`, from the rollups in O(days), whatever the data:
 *
 * - Sums (series, messages, users' messages and length): `daily_totals`, the current window's
 *   days and the previous window's whole days; the previous window's partial first day ("head",
 *   it starts mid-day) from `hourly_totals` and, for its partial first hour, `messages`.
 * - Distinct users who wrote / dialogs: Σ new_writers[d − from + 1] over the window's days counts
 *   each once, on their first day in it (see the migration ExactActivityRollups). In the previous
 *   window: its whole days the same way, plus the head's writers (dialogs) whose next day of
 *   writing (of messages) is not among those days.
 * - Top users: `user_totals.messages_<N>d` bounds each user's messages in the window (see below).
 * - Recent dialogs: `dialog_totals` by last message.
 * - Everything subtracts what lies at or after `to` (see tailCtes).
 *
 * $1 from (00:00 UTC), $2 to, $3 previous window start, $4 list length, $5 from's day, $6 to's
 * day, $7 the previous window's first day, $8 00:00 of to's day, $9 the first whole hour of the
 * previous window, $10 the end of its first day.
 */
const sql = (bound: string) => `
WITH RECURSIVE
${tailCtes('$2::timestamptz', '$8::timestamptz', '$6::date')},
days AS MATERIALIZED (
  SELECT t.day, t.messages, t.user_messages, t.user_length, t.active_users, t.new_writers, t.new_dialogs
  FROM daily_totals t
  WHERE t.day > $7::date AND t.day <= $6::date
),
sums AS (
  SELECT coalesce(sum(messages) FILTER (WHERE day >= $5::date), 0) AS messages,
         coalesce(sum(user_messages) FILTER (WHERE day >= $5::date), 0) AS user_messages,
         coalesce(sum(user_length) FILTER (WHERE day >= $5::date), 0) AS user_length,
         coalesce(sum(new_writers[day - $5::date + 1]) FILTER (WHERE day >= $5::date), 0) AS writers,
         coalesce(sum(new_dialogs[day - $5::date + 1]) FILTER (WHERE day >= $5::date), 0) AS dialogs,
         coalesce(sum(messages) FILTER (WHERE day < $5::date), 0) AS messages_prev,
         coalesce(sum(user_messages) FILTER (WHERE day < $5::date), 0) AS user_messages_prev,
         coalesce(sum(user_length) FILTER (WHERE day < $5::date), 0) AS user_length_prev,
         coalesce(sum(new_writers[day - $7::date]) FILTER (WHERE day < $5::date), 0) AS writers_prev,
         coalesce(sum(new_dialogs[day - $7::date]) FILTER (WHERE day < $5::date), 0) AS dialogs_prev
  FROM days
),
tail_sums AS (
  SELECT coalesce(sum(messages), 0) AS messages, coalesce(sum(user_messages), 0) AS user_messages,
         coalesce(sum(user_length), 0) AS user_length
  FROM tail_today
),
head_sums AS (
  SELECT coalesce(sum(messages), 0) AS messages, coalesce(sum(user_messages), 0) AS user_messages,
         coalesce(sum(user_length), 0) AS user_length
  FROM (
    SELECT h.messages, h.user_messages, h.user_length FROM hourly_totals h
    WHERE h.hour >= $9::timestamptz AND h.hour < $10::timestamptz
    UNION ALL
    SELECT 1, (m.role = 'user')::int, CASE WHEN m.role = 'user' THEN m.length ELSE 0 END FROM messages m
    WHERE m.created_at >= $3::timestamptz AND m.created_at < least($9::timestamptz, $10::timestamptz)
  ) x
),
head_counts AS (
  SELECT (SELECT count(*) FROM user_daily u
          WHERE u.day = $7::date AND u.last_user_message_at >= $3::timestamptz
            AND (u.next_write_day IS NULL OR u.next_write_day >= $5::date)) AS writers,
         (SELECT count(*) FROM daily_activity a
          WHERE a.day = $7::date AND a.last_message_at >= $3::timestamptz
            AND (a.next_day IS NULL OR a.next_day >= $5::date)) AS dialogs
),
-- Top users. ${bound} counts a user's messages in the days ending with their latest day: for a
-- window ending that day or later, at least their messages in it. Walk the users by descending
-- bound, one index probe each, scoring each (their days in the window, less what lies after to)
-- and keeping the $4 best scores so far (\`top\`, descending): once a bound is below the $4-th
-- best score, no user further down can rank. Users with messages after to are scored besides
-- (their latest day may be later than the window's, so their bound proves nothing).
walk (user_id, bound, messages, last_at, today_messages, top) AS (
  (SELECT ut.user_id, ut.${bound}, s.messages, s.last_at, s.today_messages,
          CASE WHEN s.messages > 0 THEN ARRAY[s.messages] ELSE '{}'::bigint[] END
   FROM user_totals ut CROSS JOIN LATERAL (${score('ut')}) s
   ORDER BY ut.${bound} DESC, ut.user_id DESC LIMIT 1)
  UNION ALL
  SELECT n.user_id, n.bound, s.messages, s.last_at, s.today_messages,
         -- unsorted until it holds $4 scores, then sorted once; later only a better score changes it
         CASE WHEN s.messages <= 0 THEN wk.top
              WHEN cardinality(wk.top) < $4 - 1 THEN wk.top || s.messages
              WHEN cardinality(wk.top) = $4 - 1 THEN (SELECT array_agg(x ORDER BY x DESC) FROM unnest(wk.top || s.messages) AS x)
              WHEN s.messages <= wk.top[$4] THEN wk.top
              ELSE (SELECT array_agg(x ORDER BY x DESC) FROM unnest(wk.top[1:$4 - 1] || s.messages) AS x) END
  FROM walk wk
  CROSS JOIN LATERAL (
    SELECT ut.user_id, ut.${bound} AS bound, ut.last_day FROM user_totals ut
    WHERE (ut.${bound}, ut.user_id) < (wk.bound, wk.user_id)
    ORDER BY ut.${bound} DESC, ut.user_id DESC
    LIMIT 1
  ) n
  CROSS JOIN LATERAL (${score('n')}) s
  WHERE n.bound >= greatest(1, CASE WHEN cardinality(wk.top) = $4 THEN wk.top[$4] END)
),
scored AS (
  SELECT user_id, messages, last_at, today_messages FROM walk WHERE messages > 0
  UNION
  SELECT t.user_id, s.messages, s.last_at, s.today_messages
  FROM (SELECT DISTINCT user_id, NULL::date AS last_day FROM tail) t CROSS JOIN LATERAL (${score('t')}) s
  WHERE s.messages > 0
),
ranked AS (
  SELECT s.user_id, s.messages,
         -- Today's last message before to, when the tail holds the user's later ones.
         greatest(s.last_at, CASE WHEN s.today_messages > t.messages THEN (
           SELECT m.created_at FROM messages m
           WHERE m.created_at >= $8::timestamptz AND m.created_at < $2::timestamptz AND m.user_id = s.user_id
           ORDER BY m.created_at DESC LIMIT 1) END) AS last_at
  FROM scored s
  LEFT JOIN tail_today_users t ON t.user_id = s.user_id
  ORDER BY 2 DESC, 3 DESC, 1
  LIMIT $4
),
-- Recent dialogs: the latest by their last message before to; those with messages after to
-- from their days in the window and today's messages before to.
recent AS (
  SELECT r.user_id, r.chat_id, r.last_message_at FROM (
    (SELECT d.user_id, d.chat_id, d.last_message_at FROM dialog_totals d
     WHERE d.last_message_at >= $1::timestamptz AND d.last_message_at < $2::timestamptz
     ORDER BY d.last_message_at DESC, d.chat_id, d.user_id
     LIMIT $4)
    UNION ALL
    SELECT td.user_id, td.chat_id, greatest(
      (SELECT max(a.last_message_at) FROM daily_activity a
       WHERE a.user_id = td.user_id AND a.chat_id = td.chat_id AND a.day >= $5::date AND a.day < $6::date),
      (SELECT m.created_at FROM messages m
       WHERE m.created_at >= $8::timestamptz AND m.created_at < $2::timestamptz AND m.user_id = td.user_id AND m.chat_id = td.chat_id
       ORDER BY m.created_at DESC LIMIT 1))
    FROM (SELECT DISTINCT user_id, chat_id FROM tail) td
  ) r
  WHERE r.last_message_at IS NOT NULL
  ORDER BY r.last_message_at DESC, r.chat_id, r.user_id
  LIMIT $4
),
buckets AS (
  SELECT g.t FROM generate_series($1::timestamptz, $2::timestamptz, interval '24 hours') AS g(t)
),
day_counts AS (
  SELECT d.day::timestamp AT TIME ZONE 'UTC' AS t,
         d.messages - CASE WHEN d.day = $6::date THEN ts.messages ELSE 0 END AS messages,
         d.active_users - CASE WHEN d.day = $6::date THEN (SELECT count(*) FROM writers_gone) ELSE 0 END AS active_users
  FROM days d, tail_sums ts
  WHERE d.day >= $5::date
)
SELECT
  $1::timestamptz AS from_ts,
  json_build_object(
    'total_users', ${usersKnownBefore('$2::timestamptz')},
    'total_users_prev', ${usersKnownBefore('$1::timestamptz')},
    'active_users', s.writers - (SELECT count(*) FROM writers_gone x WHERE x.prev_write_day IS NULL OR x.prev_write_day < $5::date),
    'active_users_prev', s.writers_prev + hc.writers,
    'dialogs', s.dialogs - (SELECT count(*) FROM dialogs_gone x WHERE x.prev_day IS NULL OR x.prev_day < $5::date),
    'dialogs_prev', s.dialogs_prev + hc.dialogs,
    'messages', s.messages - ts.messages,
    'messages_prev', s.messages_prev + h.messages,
    'user_messages', s.user_messages - ts.user_messages,
    'user_messages_prev', s.user_messages_prev + h.user_messages,
    'user_length', s.user_length - ts.user_length,
    'user_length_prev', s.user_length_prev + h.user_length
  ) AS kpis,
  (${seriesJson('buckets', 'day_counts')}) AS series,
  (${topUsersJson('ranked')}) AS top_users,
  (${recentDialogsJson('recent', `(SELECT coalesce(sum(a.messages), 0) FROM daily_activity a
                    WHERE a.user_id = r.user_id AND a.chat_id = r.chat_id AND a.day >= $5::date AND a.day <= $6::date)
                   - coalesce((SELECT t.messages FROM tail_today t WHERE t.user_id = r.user_id AND t.chat_id = r.chat_id), 0)`)}) AS recent_dialogs,
  ${SNAPSHOT_COLUMN}
FROM sums s, head_sums h, tail_sums ts, head_counts hc`;

const SQL = { '7d': sql('messages_7d'), '30d': sql('messages_30d'), '90d': sql('messages_90d') } as const;

export function dailyWindowStatement(window: StatsWindow, limit: number): Statement {
  const period = window.period as keyof typeof SQL;
  const [from, to, previousFrom] = [window.from!, window.to, window.previousFrom!];
  return {
    name: `stats_${period}`,
    sql: SQL[period],
    params: [
      from, to, previousFrom, limit, utcDay(from), utcDay(to), utcDay(previousFrom), startOfDay(to),
      addHours(startOfHour(previousFrom), 1), addDays(startOfDay(previousFrom), 1),
    ],
  };
}
