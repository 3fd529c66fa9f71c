import type { PoolQuery } from '@dialogstack/db';
import { ChatMessage } from './llm-client';

/** Runs a named statement and returns its rows. */
export type Sql = <T>(name: string, text: string, values: unknown[]) => Promise<T[]>;

/**
 * Prepared statements on the bot's pool: each is parsed and planned once per connection
 * instead of once per message. A statement whose session was lost is retried once (see
 * poolQuery): every write below is idempotent (keyed by the Telegram message or the question).
 */
export function preparedStatements(query: PoolQuery): Sql {
  return <T>(name: string, text: string, values: unknown[]) => query<T>({ name, text, values });
}

/** The sender of a Telegram message, as the Bot API describes them. */
export interface Person {
  id: number;
  username?: string;
  first_name: string;
  last_name?: string;
  language_code?: string;
}

export interface StoredUserMessage {
  /** messages.id (bigint as a decimal string). */
  id: string;
  chatId: number;
  userId: number;
  text: string;
  /** Stored by an earlier delivery of the same update (which did not answer it, or not yet). */
  redelivered: boolean;
}

/** Upsert of the sender; `$6` is when Telegram says they wrote. Names follow their latest message. */
const UPSERT_USER = `
  INSERT INTO users AS u (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at)
  VALUES ($1, $2, $3, $4, $5, $6, $6)
  ON CONFLICT (id) DO UPDATE SET
    username = EXCLUDED.username,
    first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name,
    language_code = COALESCE(EXCLUDED.language_code, u.language_code),
    first_seen_at = LEAST(u.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = GREATEST(u.last_seen_at, EXCLUDED.last_seen_at)
  RETURNING id`;

/** Dialog persistence: one round trip per step, plain SQL (no entity hydration). */
export class DialogStore {
  constructor(private readonly sql: Sql) {}

  async rememberUser(person: Person, seenAt: Date): Promise<void> {
    await this.sql('remember-user', UPSERT_USER, userParams(person, seenAt));
  }

  /**
   * Upserts the sender and stores their message in one statement. A re-delivered update (or a
   * retried write whose first attempt committed) stores nothing twice: it resolves the message
   * already stored when it has no answer yet (so it gets answered), `undefined` when it has one.
   */
  async storeUserMessage(
    person: Person, chatId: number, telegramMessageId: number, text: string, sentAt: Date,
  ): Promise<StoredUserMessage | undefined> {
    const rows = await this.sql<{ id: string; redelivered: boolean }>('store-user-message', `
      WITH author AS (${UPSERT_USER}),
      stored AS (
        INSERT INTO messages (user_id, chat_id, role, content, length, telegram_message_id, created_at)
        SELECT author.id, $7, 'user', $8, $9, $10, $6 FROM author
        ON CONFLICT (chat_id, telegram_message_id) WHERE telegram_message_id IS NOT NULL DO NOTHING
        RETURNING id
      )
      SELECT id, false AS redelivered FROM stored
      UNION ALL
      SELECT m.id, true FROM messages m
      WHERE m.chat_id = $7 AND m.telegram_message_id = $10
        AND NOT EXISTS (SELECT 1 FROM stored)
        AND NOT EXISTS (SELECT 1 FROM messages answer WHERE answer.reply_to_id = m.id)`,
    [...userParams(person, sentAt), chatId, text, codePoints(text), telegramMessageId]);
    return rows.length === 0 ? undefined : { id: rows[0].id, chatId, userId: person.id, text, redelivered: rows[0].redelivered };
  }

  /** /reset: hides this user's messages in this chat from the context (statistics still count them). */
  async hideDialog(userId: number, chatId: number): Promise<number> {
    const rows = await this.sql<{ hidden: number }>('hide-dialog', `
      WITH hidden AS (
        UPDATE messages SET hidden_at = now()
        WHERE chat_id = $1 AND user_id = $2 AND hidden_at IS NULL
        RETURNING 1
      ) SELECT count(*)::int AS hidden FROM hidden`,
    [chatId, userId]);
    return rows[0].hidden;
  }

  /**
   * The visible dialog before `message`, at most `limit` messages, oldest first, each answer
   * right after its question. Later questions (queued behind this one) are left out; answers
   * to earlier questions are in even when they were stored after this message arrived.
   */
  async contextBefore(message: StoredUserMessage, limit: number): Promise<ChatMessage[]> {
    if (limit === 0) return [];
    return this.sql<ChatMessage>('context-before', `
      SELECT role, content FROM (
        SELECT id, role, content, COALESCE(reply_to_id, id) AS turn
        FROM messages
        WHERE chat_id = $1 AND user_id = $2 AND hidden_at IS NULL AND COALESCE(reply_to_id, id) < $3
        ORDER BY id DESC
        LIMIT $4
      ) recent
      ORDER BY turn, id`,
    [message.chatId, message.userId, message.id, limit]);
  }

  async hasAnswer(question: StoredUserMessage): Promise<boolean> {
    const rows = await this.sql('has-answer', 'SELECT 1 FROM messages WHERE reply_to_id = $1', [question.id]);
    return rows.length > 0;
  }

  /**
   * Stores the assistant's answer; it inherits its question's visibility (a /reset may have
   * come in between). A question keeps its first stored answer: storing again is a no-op.
   */
  async storeReply(question: StoredUserMessage, text: string): Promise<void> {
    await this.sql('store-reply', `
      INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id, hidden_at)
      SELECT user_id, chat_id, 'assistant', $2, $3, id, hidden_at FROM messages WHERE id = $1
      ON CONFLICT (reply_to_id) WHERE reply_to_id IS NOT NULL DO NOTHING`,
    [question.id, text, codePoints(text)]);
  }
}

function userParams(person: Person, at: Date): unknown[] {
  return [person.id, person.username ?? null, person.first_name, person.last_name ?? null, person.language_code ?? null, at];
}

/** Length in characters as statistics count them (code points, not UTF-16 units). */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
