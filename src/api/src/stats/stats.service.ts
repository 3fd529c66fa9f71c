import { StatsQuery, StatsResponse } from '@dialogstack/contract';
import { Clock } from '../clock';
import { statsStatement, StatementRow } from './queries';
import { SingleFlight } from './single-flight';
import { toStatsResponse } from './stats-response';
import { statsWindow } from './stats-window';
import { Database } from '../database/database';

/** How long a computed response may be served again (its `generatedAt` says when it was computed). */
export const RESPONSE_MAX_AGE_MS = 1000;

/** A response with the database snapshot it was computed from (`pg_current_snapshot()` as text). */
interface Computed {
  readonly response: StatsResponse;
  readonly snapshot: string;
  /** `to` of the response, epoch milliseconds. */
  readonly at: number;
}

/**
 * Usage statistics: one SQL statement per response (one round trip, one consistent snapshot),
 * reused while it is still exact.
 *
 * A response is exact for its window `[from, to)` and the database it was computed from. The
 * statement returns its snapshot; a later identical request gets the same response (same
 * `generatedAt`, `to`) when
 * - the database has not changed since: the current snapshot (one round trip, shared by
 *   concurrent requests) equals the response's — equal snapshots see the same committed
 *   transactions, so any commit in the cluster (a message, a user, a deletion) invalidates;
 * - its `to` lies in the same bucket (hour for 24h, UTC day otherwise) as the request's
 *   instant, so the window and its buckets are the ones a new computation would have;
 * - it is at most RESPONSE_MAX_AGE_MS old.
 * Otherwise the statement runs again; concurrent identical requests share that run
 * (SingleFlight). The cache holds one response per (period, limit): at most 250.
 *
 * A plain class (the module provides it through a factory) so integration tests can drive
 * it with a fixed clock against a real database.
 */
export class StatsService {
  private readonly flights = new SingleFlight<Computed>();
  private readonly probes = new SingleFlight<string>();
  private readonly cache = new Map<string, Computed>();

  constructor(private readonly db: Database, private readonly clock: Clock) {}

  /** What the api serves: an exact earlier response while the database is unchanged, else computeStats. */
  async getStats(query: StatsQuery): Promise<StatsResponse> {
    const key = `${query.period}:${query.limit}`;
    const cached = this.cache.get(key);
    if (cached && this.reusable(query, cached)) {
      const snapshot = await this.probes.run('snapshot', () => this.snapshot());
      // Still in its bucket and age once the probe answered.
      if (snapshot === cached.snapshot && this.reusable(query, cached)) return cached.response;
    }
    const computed = await this.flights.run(key, () => this.compute(query));
    const current = this.cache.get(key);
    if (!current || current.at <= computed.at) this.cache.set(key, computed);
    return computed.response;
  }

  /** One statement for this request alone. */
  async computeStats(query: StatsQuery): Promise<StatsResponse> {
    return (await this.compute(query)).response;
  }

  private async compute(query: StatsQuery): Promise<Computed> {
    const window = statsWindow(query.period, this.clock.now());
    const statement = statsStatement(window, query.limit);
    const [row] = await this.db.query<StatementRow>(statement.sql, statement.params, statement.name);
    return { response: toStatsResponse(window, row), snapshot: row.snapshot, at: window.to.getTime() };
  }

  /** Same bucket of the same period, not older than RESPONSE_MAX_AGE_MS (and not from a later clock). */
  private reusable(query: StatsQuery, cached: Computed): boolean {
    const now = this.clock.now().getTime();
    if (now < cached.at || now - cached.at > RESPONSE_MAX_AGE_MS) return false;
    const unit = statsWindow(query.period, new Date(now)).bucket === 'hour' ? HOUR_MS : DAY_MS;
    return Math.floor(now / unit) === Math.floor(cached.at / unit);
  }

  private async snapshot(): Promise<string> {
    const [row] = await this.db.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
    return row.snapshot;
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
