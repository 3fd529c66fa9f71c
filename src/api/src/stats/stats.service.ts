import { StatsQuery, StatsResponse } from '@dialogstack/contract';
import { Clock } from '../clock';
import { statsStatement, StatsRow } from './queries';
import { SingleFlight } from './single-flight';
import { toStatsResponse } from './stats-response';
import { statsWindow } from './stats-window';
import { Database } from '../database/database';

/**
 * Usage statistics: one SQL statement per response (one round trip, one consistent
 * snapshot), identical concurrent requests sharing a computation.
 *
 * A plain class (the module provides it through a factory) so integration tests can drive
 * it with a fixed clock against a real database.
 */
export class StatsService {
  private readonly flights = new SingleFlight<StatsResponse>();

  constructor(private readonly db: Database, private readonly clock: Clock) {}

  /** What the api serves: computeStats, shared among identical concurrent requests. */
  getStats(query: StatsQuery): Promise<StatsResponse> {
    return this.flights.run(`${query.period}:${query.limit}`, () => this.computeStats(query));
  }

  /** One statement for this request alone. */
  async computeStats(query: StatsQuery): Promise<StatsResponse> {
    const window = statsWindow(query.period, this.clock.now());
    const statement = statsStatement(window, query.limit);
    const [row] = await this.db.query<StatsRow>(statement.sql, statement.params);
    return toStatsResponse(window, row);
  }
}
