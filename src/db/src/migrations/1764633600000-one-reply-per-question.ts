import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * At most one stored answer per question. The bot retries a write whose database session was
 * lost, and answers a redelivered message that has no answer yet; both are only safe when a
 * second insert of the same answer is a no-op (`ON CONFLICT DO NOTHING` on this index).
 */
export class OneReplyPerQuestion1764633600000 implements MigrationInterface {
  name = 'OneReplyPerQuestion1764633600000';

  public async up(q: QueryRunner): Promise<void> {
    // Earlier duplicates (if any) stay as messages, and in statistics; only the later ones lose the link.
    await q.query(`
      UPDATE messages SET reply_to_id = NULL
      WHERE id IN (
        SELECT id FROM (
          SELECT id, row_number() OVER (PARTITION BY reply_to_id ORDER BY id) AS nth
          FROM messages WHERE reply_to_id IS NOT NULL
        ) replies WHERE nth > 1
      )`);
    await q.query('CREATE UNIQUE INDEX messages_reply_to_uq ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL');
    await q.query('DROP INDEX messages_reply_to_idx');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX messages_reply_to_idx ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL');
    await q.query('DROP INDEX messages_reply_to_uq');
  }
}
