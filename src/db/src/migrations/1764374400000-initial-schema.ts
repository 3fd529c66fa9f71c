import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, messages and the daily activity rollup.
 *
 * `daily_activity` is maintained by a trigger in the same transaction as each message
 * insert, so statistics read a small table yet are never stale or wrong.
 */
export class InitialSchema1764374400000 implements MigrationInterface {
  name = 'InitialSchema1764374400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id            bigint PRIMARY KEY,
        username      text,
        first_name    text NOT NULL DEFAULT '',
        last_name     text,
        language_code text,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX users_first_seen_at_idx ON users (first_seen_at)');

    await q.query(`
      CREATE TABLE messages (
        id                  bigserial PRIMARY KEY,
        user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        chat_id             bigint NOT NULL,
        role                text NOT NULL CHECK (role IN ('user', 'assistant')),
        content             text NOT NULL,
        length              integer NOT NULL CHECK (length >= 0),
        telegram_message_id bigint,
        created_at          timestamptz NOT NULL DEFAULT now(),
        hidden_at           timestamptz
      )`);
    // The bot's context query: latest visible messages of one user in one chat.
    await q.query('CREATE INDEX messages_context_idx ON messages (chat_id, user_id, id DESC) WHERE hidden_at IS NULL');
    // Statistics over a time window (covering, so it can be an index-only scan).
    await q.query('CREATE INDEX messages_created_at_idx ON messages (created_at) INCLUDE (user_id, chat_id, role, length)');
    // A re-delivered Telegram update must not store the user's message twice.
    await q.query('CREATE UNIQUE INDEX messages_telegram_message_uq ON messages (chat_id, telegram_message_id) WHERE telegram_message_id IS NOT NULL');

    await q.query(`
      CREATE TABLE daily_activity (
        day           date   NOT NULL,
        user_id       bigint NOT NULL,
        chat_id       bigint NOT NULL,
        messages      integer NOT NULL,
        user_messages integer NOT NULL,
        user_length   bigint NOT NULL,
        last_message_at timestamptz NOT NULL,
        PRIMARY KEY (day, user_id, chat_id)
      )`);
    await q.query(`
      CREATE FUNCTION daily_activity_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO daily_activity AS d (day, user_id, chat_id, messages, user_messages, user_length, last_message_at)
        VALUES ((NEW.created_at AT TIME ZONE 'UTC')::date, NEW.user_id, NEW.chat_id, 1,
                CASE WHEN NEW.role = 'user' THEN 1 ELSE 0 END,
                CASE WHEN NEW.role = 'user' THEN NEW.length ELSE 0 END,
                NEW.created_at)
        ON CONFLICT (day, user_id, chat_id) DO UPDATE SET
          messages = d.messages + 1,
          user_messages = d.user_messages + EXCLUDED.user_messages,
          user_length = d.user_length + EXCLUDED.user_length,
          last_message_at = GREATEST(d.last_message_at, EXCLUDED.last_message_at);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER messages_daily_activity AFTER INSERT ON messages
      FOR EACH ROW EXECUTE FUNCTION daily_activity_on_message()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE daily_activity');
    await q.query('DROP TABLE messages');
    await q.query('DROP FUNCTION daily_activity_on_message()');
    await q.query('DROP TABLE users');
  }
}
