import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `messages.replied_at`, on a user's message: when Telegram accepted the bot's reply to it
 * (the answer, or an apology when there was none). Until then the question is the bot's
 * unfinished work: after a crash, or when Telegram could not be reached, the bot finds it
 * here and answers it (sending the stored answer again rather than asking the LLM twice).
 *
 * Questions answered before this migration count as replied when their answer was stored;
 * unanswered ones stay NULL (the bot only looks back over its recovery window).
 */
export class ReplyDelivery1764806400000 implements MigrationInterface {
  name = 'ReplyDelivery1764806400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE messages ADD COLUMN replied_at timestamptz');
    await q.query(`
      UPDATE messages question SET replied_at = answer.created_at
      FROM messages answer
      WHERE answer.reply_to_id = question.id`);
    // The bot's look for unfinished work: a few rows at any time, so a small partial index.
    await q.query('CREATE INDEX messages_unreplied_idx ON messages (created_at) WHERE role = \'user\' AND replied_at IS NULL');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX messages_unreplied_idx');
    await q.query('ALTER TABLE messages DROP COLUMN replied_at');
  }
}
