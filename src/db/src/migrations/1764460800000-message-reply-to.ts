import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `messages.reply_to_id`: the user message an assistant reply answers.
 *
 * The bot stores a user's message as soon as it arrives, so when a user sends several
 * messages while the LLM is still answering the first one, replies are inserted after the
 * later questions. The link lets the bot rebuild the dialog in question/answer order, and
 * lets a reply inherit its question's visibility when /reset ran in between.
 */
export class MessageReplyTo1764460800000 implements MigrationInterface {
  name = 'MessageReplyTo1764460800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE messages ADD COLUMN reply_to_id bigint REFERENCES messages (id) ON DELETE SET NULL');
    // Serves the foreign key when messages are deleted (a user removed with ON DELETE CASCADE).
    await q.query('CREATE INDEX messages_reply_to_idx ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX messages_reply_to_idx');
    await q.query('ALTER TABLE messages DROP COLUMN reply_to_id');
  }
}
