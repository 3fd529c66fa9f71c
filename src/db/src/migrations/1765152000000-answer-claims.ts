import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `messages.answering_until` and `answering_by`, on a user's message: while the time lies in
 * the future, the bot process named has the question in hand (queued in its chat's lane, or
 * being answered) and renews it; the recovery sweep and a redelivered update of every other
 * process leave the question alone.
 * Two bot processes run at once in webhook mode (a deploy overlaps old and new; Kubernetes
 * runs replicas): without it, one answered what the other was still answering. Cleared when
 * the question is replied to or given up (left owed); a crashed process's claims lapse.
 *
 * Expand only: nullable columns with no default (no rewrite); earlier releases ignore them.
 */
export class AnswerClaims1765152000000 implements MigrationInterface {
  name = 'AnswerClaims1765152000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE messages ADD COLUMN answering_until timestamptz, ADD COLUMN answering_by text');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE messages DROP COLUMN answering_until, DROP COLUMN answering_by');
  }
}
