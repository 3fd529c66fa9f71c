import { StatsQuery, StatsResponse } from '@dialogstack/contract';
import { Clock } from '../../src/clock';
import { KpiTotals, RecentDialogRow, SeriesRow, StatsRow, TopUserRow } from '../../src/stats/queries';
import { toStatsResponse } from '../../src/stats/stats-response';
import { statsWindow } from '../../src/stats/stats-window';

/** What the naive service needs of a database: a read. */
export interface Reader {
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The straightforward implementation the api replaces: everything from the base tables
 * (`messages`, `users`; no rollups), one query per chart point, queries one after another,
 * whole texts for previews. Same windows and the same response mapping as the real service, so
 * the two must agree: tests use it as the oracle, the benchmark as the baseline.
 */
export class NaiveStatsService {
  constructor(private readonly db: Reader, private readonly clock: Clock) {}

  getStats(query: StatsQuery): Promise<StatsResponse> {
    return this.computeStats(query);
  }

  async computeStats(query: StatsQuery): Promise<StatsResponse> {
    const window = statsWindow(query.period, this.clock.now());
    const to = window.to;
    const from = window.from ?? await this.firstDay(to);
    const step = window.bucket === 'hour' ? 3_600_000 : 86_400_000;

    const series: SeriesRow[] = [];
    for (let t = from.getTime(); t <= to.getTime(); t += step) {
      const end = new Date(Math.min(t + step, to.getTime()));
      const [point] = await this.db.query<{ messages: number; active_users: number }>(`
        SELECT count(*)::int AS messages, (count(DISTINCT user_id) FILTER (WHERE role = 'user'))::int AS active_users
        FROM messages WHERE created_at >= $1 AND created_at < $2`, [new Date(t), end]);
      series.push({ t: new Date(t).toISOString(), ...point });
    }

    const current = await this.measures(from, to);
    const previous = window.previousFrom ? await this.measures(window.previousFrom, from) : null;
    const kpis: KpiTotals = {
      total_users: current.total_users,
      total_users_prev: previous && previous.total_users,
      active_users: current.active_users,
      active_users_prev: previous && previous.active_users,
      dialogs: current.dialogs,
      dialogs_prev: previous && previous.dialogs,
      messages: current.messages,
      messages_prev: previous && previous.messages,
      user_messages: current.user_messages,
      user_messages_prev: previous && previous.user_messages,
      user_length: current.user_length,
      user_length_prev: previous && previous.user_length,
    };

    const topUsers = await this.db.query<TopUserRow>(`
      SELECT t.user_id::text AS user_id, u.username, u.first_name, u.last_name, t.messages, t.last_at
      FROM (SELECT user_id, count(*)::int AS messages, max(created_at) AS last_at FROM messages
            WHERE created_at >= $1 AND created_at < $2 GROUP BY user_id
            ORDER BY messages DESC, last_at DESC, user_id LIMIT $3) t
      LEFT JOIN users u ON u.id = t.user_id
      ORDER BY t.messages DESC, t.last_at DESC, t.user_id`, [from, to, query.limit]);
    const recentDialogs = await this.db.query<RecentDialogRow>(`
      SELECT d.chat_id::text AS chat_id, d.user_id::text AS user_id, u.username, u.first_name, u.last_name,
             d.messages, d.last_message_at,
             (SELECT content FROM messages m WHERE m.user_id = d.user_id AND m.chat_id = d.chat_id AND m.created_at = d.last_message_at
              ORDER BY m.id DESC LIMIT 1) AS preview
      FROM (SELECT user_id, chat_id, count(*)::int AS messages, max(created_at) AS last_message_at FROM messages
            WHERE created_at >= $1 AND created_at < $2 GROUP BY user_id, chat_id
            ORDER BY last_message_at DESC, chat_id, user_id LIMIT $3) d
      LEFT JOIN users u ON u.id = d.user_id
      ORDER BY d.last_message_at DESC, d.chat_id, d.user_id`, [from, to, query.limit]);

    const row: StatsRow = { from_ts: from, kpis, series, top_users: topUsers, recent_dialogs: recentDialogs };
    return toStatsResponse(window, row);
  }

  private async measures(from: Date, to: Date) {
    const [m] = await this.db.query<{ active_users: number; dialogs: number; messages: number; user_messages: number; user_length: number }>(`
      SELECT (count(DISTINCT user_id) FILTER (WHERE role = 'user'))::int AS active_users,
             count(DISTINCT (user_id, chat_id))::int AS dialogs,
             count(*)::int AS messages,
             (count(*) FILTER (WHERE role = 'user'))::int AS user_messages,
             coalesce(sum(length) FILTER (WHERE role = 'user'), 0)::float8 AS user_length
      FROM messages WHERE created_at >= $1 AND created_at < $2`, [from, to]);
    const [u] = await this.db.query<{ total_users: number }>('SELECT count(*)::int AS total_users FROM users WHERE first_seen_at < $1', [to]);
    return { ...m, ...u };
  }

  private async firstDay(to: Date): Promise<Date> {
    const [r] = await this.db.query<{ first: Date | null }>('SELECT date_trunc(\'day\', min(created_at), \'UTC\') AS first FROM messages WHERE created_at < $1', [to]);
    return r.first ?? new Date(Math.floor(to.getTime() / 86_400_000) * 86_400_000);
  }
}
