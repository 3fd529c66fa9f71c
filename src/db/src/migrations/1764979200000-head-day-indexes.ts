import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the previous window's partial first day ("head") of the 7d / 30d / 90d
 * statistics: the writers (dialogs) of that day after the window's start instant whose next day
 * of writing (of messages) is not in the window. That day's rows were read through the primary
 * key and then from the table, one heap page per row (about 600 pages on the 1M-message seed, a
 * day's rows lying wherever their user's or dialog's rows were written): now an index-only range
 * scan of the rows after the instant, a few pages.
 *
 * Expand-only: two indexes, no data changes; the rollup triggers and the recount are untouched.
 * Each message write already updates its day's `user_daily` and `daily_activity` rows through an
 * index (no HOT update), so each adds one index entry to that.
 */
export class HeadDayIndexes1764979200000 implements MigrationInterface {
  name = 'HeadDayIndexes1764979200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX user_daily_day_writers_idx ON user_daily (day, last_user_message_at) INCLUDE (next_write_day)');
    await q.query('CREATE INDEX daily_activity_day_last_idx ON daily_activity (day, last_message_at) INCLUDE (next_day)');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX daily_activity_day_last_idx');
    await q.query('DROP INDEX user_daily_day_writers_idx');
  }
}
