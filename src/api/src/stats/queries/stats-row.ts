/**
 * The single row every statistics statement returns. Aggregates come back as json columns
 * (one round trip, one snapshot); ids are text because Telegram ids may exceed 2^53.
 */
export interface StatsRow {
  /** Start of the window (for `all`: the first day with data). */
  readonly from_ts: Date;
  readonly kpis: KpiTotals;
  readonly series: readonly SeriesRow[];
  readonly top_users: readonly TopUserRow[];
  readonly recent_dialogs: readonly RecentDialogRow[];
}

/** Raw measures of the current window and, suffixed `_prev`, of the previous one (null for `all`). */
export interface KpiTotals {
  readonly total_users: number;
  readonly total_users_prev: number | null;
  readonly active_users: number;
  readonly active_users_prev: number | null;
  readonly dialogs: number;
  readonly dialogs_prev: number | null;
  readonly messages: number;
  readonly messages_prev: number | null;
  readonly user_messages: number;
  readonly user_messages_prev: number | null;
  readonly user_length: number;
  readonly user_length_prev: number | null;
}

export interface SeriesRow {
  /** Bucket start (timestamptz as JSON text). */
  readonly t: string;
  readonly messages: number;
  readonly active_users: number;
}

export interface UserColumns {
  readonly user_id: string;
  readonly username: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
}

export interface TopUserRow extends UserColumns {
  readonly messages: number;
  readonly last_at: string;
}

export interface RecentDialogRow extends UserColumns {
  readonly chat_id: string;
  readonly messages: number;
  readonly last_message_at: string;
  /** The last message, whitespace collapsed, its first characters (more than the response keeps; cut in code). */
  readonly preview: string | null;
}

/** What a statement returns: the row, and the snapshot it read (`pg_current_snapshot()` as text). */
export interface StatementRow extends StatsRow {
  readonly snapshot: string;
}

/** The column every statistics statement adds: its own snapshot (which transactions it sees). */
export const SNAPSHOT_COLUMN = 'pg_current_snapshot()::text AS snapshot';

export interface Statement {
  /**
   * The prepared statement's name (one per SQL text): each connection parses it once and plans
   * it once (the api's sessions use generic plans, see Database), so a request pays execution only.
   */
  readonly name: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Characters of the last message fetched for its preview, whitespace collapsed (more than the preview shows). */
export const PREVIEW_FETCH_CHARS = 200;

/** JavaScript's `\s` (and `String.prototype.trim`) but the space, as the inside of a regular-expression class. */
const JS_WHITESPACE_BUT_SPACE = String.raw`\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

/**
 * Exactly the characters JavaScript's `\s` (and `String.prototype.trim`) matches: the preview is
 * collapsed in SQL, before the text is cut to PREVIEW_FETCH_CHARS, then again (a no-op) in code.
 * Cutting first would let a long whitespace run push the rest of the message out of the preview.
 */
export const JS_WHITESPACE = `[ ${JS_WHITESPACE_BUT_SPACE}]`;

/**
 * The whitespace runs that collapsing changes: two characters or more, or one that is not a
 * space. Replacing these by a space gives what replacing every run (`${JS_WHITESPACE}+`) gives — a
 * lone space is already its replacement — but PostgreSQL's regexp_replace costs about a
 * microsecond per match, and ordinary text has a lone space between every two words: 5–8×
 * faster on the seed's replies (the recent-dialogs list previews `limit` of them). A match is
 * the longest at its start (an alternation is greedy), so a run is always taken whole.
 */
export const COLLAPSIBLE_WHITESPACE = `${JS_WHITESPACE}{2,}|[${JS_WHITESPACE_BUT_SPACE}]`;

/** `content` (an SQL expression) with whitespace runs collapsed to one space and trimmed, first PREVIEW_FETCH_CHARS characters. */
export const previewSql = (content: string) =>
  `left(btrim(regexp_replace(${content}, '${COLLAPSIBLE_WHITESPACE}', ' ', 'g'), ' '), ${PREVIEW_FETCH_CHARS})`;

/**
 * The names of the user `row`.user_id, one index probe (a LIMIT keeps the planner from turning
 * the lookup into a join that reads every user).
 */
const userById = (row: string) => `SELECT x.username, x.first_name, x.last_name FROM users x WHERE x.id = ${row}.user_id LIMIT 1`;

/**
 * `recent` (user_id, chat_id, last_message_at) → the list the response shows, with names and a
 * preview. The preview finds the last message through the created_at index.
 */
export const recentDialogsJson = (recent: string, messagesExpr: string) => `
  SELECT coalesce(json_agg(json_build_object(
      'chat_id', r.chat_id::text, 'user_id', r.user_id::text,
      'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name,
      'messages', ${messagesExpr},
      'last_message_at', r.last_message_at,
      'preview', (SELECT ${previewSql('m.content')} FROM messages m
                  WHERE m.created_at = r.last_message_at AND m.user_id = r.user_id AND m.chat_id = r.chat_id
                  ORDER BY m.id DESC LIMIT 1)
    ) ORDER BY r.last_message_at DESC, r.chat_id, r.user_id), '[]')
  FROM ${recent} r LEFT JOIN LATERAL (${userById('r')}) u ON true`;

/** `ranked` (user_id, messages, last_at), already ordered and limited → the top-users list. */
export const topUsersJson = (ranked: string) => `
  SELECT coalesce(json_agg(json_build_object(
      'user_id', t.user_id::text, 'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name,
      'messages', t.messages, 'last_at', t.last_at
    ) ORDER BY t.messages DESC, t.last_at DESC, t.user_id), '[]')
  FROM ${ranked} t LEFT JOIN LATERAL (${userById('t')}) u ON true`;

/**
 * Users first seen before the instant `ts` (an SQL expression): whole days from
 * `daily_new_users`, the rest of `ts`'s own day from `users` (index on first_seen_at).
 */
export const usersKnownBefore = (ts: string) => `(
  (SELECT coalesce(sum(n.users), 0) FROM daily_new_users n WHERE n.day < (${ts} AT TIME ZONE 'UTC')::date)
  + (SELECT count(*) FROM users u WHERE u.first_seen_at >= date_trunc('day', ${ts}, 'UTC') AND u.first_seen_at < ${ts}))`;

/** Zero-filled series: `buckets` (t) left-joined to `counts` (t, messages, active_users). */
export const seriesJson = (buckets: string, counts: string) => `
  SELECT json_agg(json_build_object(
      't', b.t, 'messages', coalesce(c.messages, 0), 'active_users', coalesce(c.active_users, 0)
    ) ORDER BY b.t)
  FROM ${buckets} b LEFT JOIN ${counts} c ON c.t = b.t`;

/**
 * Messages at or after `to` (clock skew between hosts, Telegram's send times): the rollups
 * count them, no window may. Usually there are none (one index probe). `tail_today` and
 * `tail_today_users` are those of `to`'s own day, which that day's rollup rows hold; a dialog
 * (`dialogs_gone`) or writer (`writers_gone`) whose messages of that day are all in the tail is
 * not active that day yet.
 *
 * `to`, `todayStart` (00:00 of to's day) and `today` are SQL expressions.
 */
export const tailCtes = (to: string, todayStart: string, today: string) => `
tail AS MATERIALIZED (
  SELECT m.user_id, m.chat_id, m.role, m.length, m.created_at < ${todayStart} + interval '1 day' AS today
  FROM messages m
  -- The upper bound changes nothing but the generic plan's estimate: a lone \`>= $n\` is guessed
  -- to hold a third of all messages (hash tables sized for that, 1.5 MB per execution); a
  -- range, 0.5 %. The tail is usually empty.
  WHERE m.created_at >= ${to} AND m.created_at < 'infinity'::timestamptz
),
tail_today AS MATERIALIZED (
  SELECT user_id, chat_id, count(*) AS messages, count(*) FILTER (WHERE role = 'user') AS user_messages,
         coalesce(sum(length) FILTER (WHERE role = 'user'), 0) AS user_length
  FROM tail
  WHERE today
  GROUP BY user_id, chat_id
),
tail_today_users AS MATERIALIZED (
  SELECT user_id, sum(messages) AS messages, sum(user_messages) AS user_messages FROM tail_today GROUP BY user_id
),
dialogs_gone AS MATERIALIZED (
  SELECT a.prev_day FROM daily_activity a JOIN tail_today t USING (user_id, chat_id)
  WHERE a.day = ${today} AND a.messages = t.messages
),
writers_gone AS MATERIALIZED (
  SELECT u.prev_write_day FROM user_daily u JOIN tail_today_users t USING (user_id)
  WHERE u.day = ${today} AND u.user_messages > 0 AND u.user_messages = t.user_messages
)`;
