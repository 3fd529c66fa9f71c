import type { PoolQuery } from '@dialogstack/db';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
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
  /**
   * Stored before this delivery (an earlier delivery of the update, or a process that
   * stopped before replying): its reply may be stored, or even sent, already.
   */
  redelivered: boolean;
  /** LLM tokens spent on this user's questions today (UTC) before this one. */
  tokensToday: number;
}

/** Where a question stands: replied to (Telegram accepted the reply), or the answer stored but maybe not sent. */
export interface ReplyState {
  readonly replied: boolean;
  readonly answer?: string;
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

/** `answering_until` of a claim made now; `$n` is its length in milliseconds. */
const claimUntil = (n: number) => `now() + make_interval(secs => $${n}::float8 / 1000)`;

/**
 * The sender upserted and their message stored in one statement (see storeUserMessage), the
 * question claimed by this process ($11 the claim's length, $12 the process). One constant
 * text: pg compares a named statement's text with the one it prepared on every run.
 */
const STORE_USER_MESSAGE = `
  WITH author AS (${UPSERT_USER}),
  stored AS (
    INSERT INTO messages (user_id, chat_id, role, content, length, telegram_message_id, created_at, answering_until, answering_by)
    SELECT author.id, $7, 'user', $8, $9, $10, $6, ${claimUntil(11)}, $12 FROM author
    ON CONFLICT (chat_id, telegram_message_id) WHERE telegram_message_id IS NOT NULL DO NOTHING
    RETURNING id
  ),
  claimed AS (
    UPDATE messages m SET answering_until = ${claimUntil(11)}, answering_by = $12
    WHERE m.chat_id = $7 AND m.telegram_message_id = $10 AND m.replied_at IS NULL
      AND (m.answering_until IS NULL OR m.answering_until < now() OR m.answering_by = $12)
      AND NOT EXISTS (SELECT 1 FROM stored)
    RETURNING m.id
  ),
  found AS (
    SELECT id, false AS redelivered FROM stored
    UNION ALL
    SELECT id, true FROM claimed
  )
  SELECT found.id, found.redelivered, COALESCE(usage.tokens, 0) AS tokens_today
  FROM found
  LEFT JOIN daily_llm_usage usage ON usage.day = (now() AT TIME ZONE 'UTC')::date AND usage.user_id = $1`;

/** Who holds a claim, and how long it lasts unless renewed. */
export interface ClaimOptions {
  /** This process, as `answering_by` names it. @default `<hostname>/<random>` */
  readonly owner: string;
  /** @default 30 s */
  readonly ms: number;
}

export const DEFAULT_CLAIM_MS = 30_000;

/**
 * Dialog persistence: one round trip per step, plain SQL (no entity hydration).
 *
 * Claims: several bot processes may share the database at once (webhook mode overlaps the
 * old and the new copy during a deploy; Kubernetes runs replicas). A question is claimed by
 * the process that stores it, or that takes it in a recovery sweep (`answering_by`,
 * `answering_until` a claim's length ahead); that process renews the claims of the questions
 * it has in hand and clears a claim when it replies or gives the question up. A sweep of
 * another process, or a redelivery of the update to another process, leaves a claimed
 * question alone: each question is answered by one process. A crashed process's claims lapse.
 */
export class DialogStore {
  private readonly claim: ClaimOptions;

  constructor(private readonly sql: Sql, claim: Partial<ClaimOptions> = {}) {
    this.claim = { owner: claim.owner ?? `${hostname()}/${randomUUID().slice(0, 8)}`, ms: claim.ms ?? DEFAULT_CLAIM_MS };
  }

  async rememberUser(person: Person, seenAt: Date): Promise<void> {
    await this.sql('remember-user', UPSERT_USER, userParams(person, seenAt));
  }

  /**
   * Upserts the sender and stores their message in one statement, which also reads the
   * sender's LLM tokens of the day, and claims the question for this process. A re-delivered
   * update (or a retried write whose first attempt committed) stores nothing twice: it
   * resolves the message already stored when it has not been replied to yet and no other
   * process has it in hand (so it gets its reply), `undefined` otherwise.
   */
  async storeUserMessage(
    person: Person, chatId: number, telegramMessageId: number, text: string, sentAt: Date,
  ): Promise<StoredUserMessage | undefined> {
    const rows = await this.sql<{ id: string; redelivered: boolean; tokens_today: string }>('store-user-message', STORE_USER_MESSAGE,
      [
        person.id, person.username ?? null, person.first_name, person.last_name ?? null, person.language_code ?? null, sentAt,
        chatId, text, codePoints(text), telegramMessageId, this.claim.ms, this.claim.owner,
      ]);
    if (rows.length === 0) return undefined;
    return { id: rows[0].id, chatId, userId: person.id, text, redelivered: rows[0].redelivered, tokensToday: Number(rows[0].tokens_today) };
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

  async replyState(question: Pick<StoredUserMessage, 'id'>): Promise<ReplyState> {
    const rows = await this.sql<{ replied: boolean; answer: string | null }>('reply-state', `
      SELECT q.replied_at IS NOT NULL AS replied, a.content AS answer
      FROM messages q LEFT JOIN messages a ON a.reply_to_id = q.id
      WHERE q.id = $1`, [question.id]);
    return rows.length === 0 ? { replied: true } : { replied: rows[0].replied, answer: rows[0].answer ?? undefined };
  }

  /**
   * Stores the assistant's answer, before it is sent, and adds its tokens to the user's day;
   * the answer inherits its question's visibility (a /reset may have come in between). A
   * question keeps its first stored answer: storing again changes nothing (the tokens are not
   * counted twice) and resolves the answer stored first, the one to send.
   */
  async storeReply(question: StoredUserMessage, text: string, tokens: number): Promise<string> {
    const rows = await this.sql<{ content: string }>('store-reply', `
      WITH reply AS (
        INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id, hidden_at)
        SELECT user_id, chat_id, 'assistant', $2, $3, id, hidden_at FROM messages WHERE id = $1
        ON CONFLICT (reply_to_id) WHERE reply_to_id IS NOT NULL DO NOTHING
        RETURNING user_id, content
      ),
      usage AS (
        INSERT INTO daily_llm_usage AS u (day, user_id, tokens, answers)
        SELECT (now() AT TIME ZONE 'UTC')::date, user_id, $4, 1 FROM reply
        ON CONFLICT (day, user_id) DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens, answers = u.answers + 1
      )
      SELECT content FROM reply
      UNION ALL
      SELECT content FROM messages WHERE reply_to_id = $1 AND NOT EXISTS (SELECT 1 FROM reply)`,
    [question.id, text, codePoints(text), tokens]);
    return rows[0]?.content ?? text;
  }

  /** Telegram accepted the reply to `question`: it is no longer owed (nor claimed). */
  async markReplied(question: Pick<StoredUserMessage, 'id'>): Promise<void> {
    await this.sql('mark-replied', 'UPDATE messages SET replied_at = now(), answering_until = NULL WHERE id = $1 AND replied_at IS NULL', [question.id]);
  }

  /** Keeps this process's claims on the questions it still has in hand (a claim's length from now). */
  async renewClaims(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql('renew-claims', `
      UPDATE messages SET answering_until = ${claimUntil(2)}
      WHERE id = ANY($1::bigint[]) AND answering_by = $3 AND replied_at IS NULL`, [ids, this.claim.ms, this.claim.owner]);
  }

  /** Gives questions up, still owed: the next recovery sweep of any process takes them at once. */
  async releaseClaims(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql('release-claims', `
      UPDATE messages SET answering_until = NULL
      WHERE id = ANY($1::bigint[]) AND answering_by = $2 AND replied_at IS NULL`, [ids, this.claim.owner]);
  }

  /**
   * Questions still owed a reply, oldest first: stored within the last `withinMs`, never
   * replied to (the process stopped, or Telegram could not be reached) and in no process's
   * hands (`takeOver`: whatever claims they carry, for a process that knows it is the only
   * one); each is claimed for this process in the same statement (two sweeps at once never
   * take one question twice). Each resolves as `redelivered`: its answer may be stored already.
   */
  async unrepliedQuestions(withinMs: number, limit: number, takeOver = false): Promise<StoredUserMessage[]> {
    const rows = await this.sql<{ id: string; chat_id: string; user_id: string; content: string; tokens_today: string }>('unreplied-questions', `
      WITH owed AS (
        UPDATE messages q SET answering_until = ${claimUntil(3)}, answering_by = $4
        WHERE q.id IN (
          SELECT id FROM messages
          WHERE role = 'user' AND replied_at IS NULL AND created_at > now() - make_interval(secs => $1::float8 / 1000)
            AND ($5::boolean OR answering_until IS NULL OR answering_until < now())
          ORDER BY id
          LIMIT $2
          FOR UPDATE SKIP LOCKED
        )
        RETURNING q.id, q.chat_id, q.user_id, q.content
      )
      SELECT owed.id, owed.chat_id, owed.user_id, owed.content, COALESCE(usage.tokens, 0) AS tokens_today
      FROM owed
      LEFT JOIN daily_llm_usage usage ON usage.day = (now() AT TIME ZONE 'UTC')::date AND usage.user_id = owed.user_id
      ORDER BY owed.id`, [withinMs, limit, this.claim.ms, this.claim.owner, takeOver]);
    return rows.map((r) => ({
      id: r.id, chatId: Number(r.chat_id), userId: Number(r.user_id), text: r.content, redelivered: true, tokensToday: Number(r.tokens_today),
    }));
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
