import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `daily_llm_usage`: LLM tokens spent on each user's questions per UTC day, so the bot can
 * hold every user to a daily budget across restarts. Written in the statement that stores
 * the answer, so a retried write never counts twice.
 */
export class LlmUsage1764892800000 implements MigrationInterface {
  name = 'LlmUsage1764892800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE daily_llm_usage (
        day      date    NOT NULL,
        user_id  bigint  NOT NULL,
        tokens   bigint  NOT NULL CHECK (tokens >= 0),
        answers  integer NOT NULL CHECK (answers >= 0),
        PRIMARY KEY (day, user_id)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE daily_llm_usage');
  }
}
