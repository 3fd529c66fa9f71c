import type { Client } from 'pg';
import { planHistory, type HistoryOptions } from './plan';
import { persona } from '../traffic/personas';

export type HistoryOutcome =
  | { readonly seeded: true; readonly users: number; readonly messages: number; readonly from: Date; readonly to: Date }
  | { readonly seeded: false; readonly reason: 'already-seeded' | 'not-a-demo-database'; readonly detail: string };

/** Any constant: serialises concurrent seeders (two `up`s at once) on one database. */
const LOCK_KEY = 0x64656d6f; // "demo"

/**
 * Writes the demo history into the database, once. Everything happens in one transaction
 * under an advisory lock, and is skipped when:
 * - the history is already there: its users' messages carry negative Telegram message ids
 *   (real ones are positive, so they never collide with what the emulator sends), or
 * - the database has users outside the demo's cast: a real deployment's data, where an
 *   invented past has no place (`make demo` on a volume that `make up` filled).
 *
 * Messages go in through the same tables and triggers as the bot's, so every rollup the api
 * reads is maintained as in production. They are hidden from the bot's context (`hidden_at`,
 * as after /reset): the live conversations start fresh, the statistics count the past.
 * Ids come from the messages sequence in time order, as the bot's would.
 */
export async function seedHistory(client: Client, options: HistoryOptions): Promise<HistoryOutcome> {
  const cast = Array.from({ length: options.users }, (_, i) => String(persona(i).user.id));
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const [{ strangers }] = (await client.query<{ strangers: number }>(
      'SELECT count(*)::int AS strangers FROM users WHERE id <> ALL($1::bigint[])', [cast])).rows;
    if (strangers > 0) {
      await client.query('ROLLBACK');
      return { seeded: false, reason: 'not-a-demo-database', detail: `${strangers} users outside the demo cast` };
    }
    const [{ seeded }] = (await client.query<{ seeded: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM messages WHERE telegram_message_id < 0) AS seeded')).rows;
    if (seeded) {
      await client.query('ROLLBACK');
      return { seeded: false, reason: 'already-seeded', detail: 'the demo history is already in the database' };
    }

    const plan = planHistory(options);
    await client.query(`
      INSERT INTO users AS u (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at)
      SELECT * , first_seen_at FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
        AS p(id, username, first_name, last_name, language_code, first_seen_at)
      ON CONFLICT (id) DO UPDATE SET first_seen_at = LEAST(u.first_seen_at, EXCLUDED.first_seen_at)`,
    [
      plan.users.map((u) => u.persona.user.id),
      plan.users.map((u) => u.persona.user.username ?? null),
      plan.users.map((u) => u.persona.user.first_name),
      plan.users.map((u) => u.persona.user.last_name ?? null),
      plan.users.map((u) => u.persona.user.language_code ?? null),
      plan.users.map((u) => u.firstSeenAt),
    ]);

    const count = plan.exchanges.length * 2;
    const ids = (await client.query<{ id: string }>("SELECT nextval('messages_id_seq')::text AS id FROM generate_series(1, $1)", [count])).rows
      .map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // Question and answer rows in time order take the ids in order: ids follow time, as the bot's do.
    const rows = plan.exchanges.flatMap((e, i) => [
      { key: `q${i}`, userId: e.userId, role: 'user', content: e.question, telegramId: -(i + 1), replyTo: null, at: e.askedAt },
      { key: `a${i}`, userId: e.userId, role: 'assistant', content: e.answer, telegramId: null, replyTo: `q${i}`, at: e.answeredAt },
    ]).sort((a, b) => a.at.getTime() - b.at.getTime());
    const idOf = new Map(rows.map((row, i) => [row.key, ids[i]]));
    const final = rows.map((row) => ({ ...row, id: idOf.get(row.key)!, replyTo: row.replyTo === null ? null : idOf.get(row.replyTo)! }));
    await client.query(`
      INSERT INTO messages (id, user_id, chat_id, role, content, length, telegram_message_id, reply_to_id, created_at, hidden_at)
      SELECT id, user_id, user_id, role, content, char_length(content), telegram_message_id, reply_to_id, created_at, $9::timestamptz
      FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::timestamptz[], $8::int[])
        AS m(id, user_id, role, content, telegram_message_id, reply_to_id, created_at, n)
      ORDER BY n`,
    [
      final.map((r) => r.id), final.map((r) => r.userId), final.map((r) => r.role), final.map((r) => r.content),
      final.map((r) => r.telegramId), final.map((r) => r.replyTo), final.map((r) => r.at), final.map((_, i) => i), options.end,
    ]);
    await client.query(`
      UPDATE users u SET last_seen_at = GREATEST(u.last_seen_at, m.last)
      FROM (SELECT user_id, max(created_at) AS last FROM messages WHERE telegram_message_id < 0 GROUP BY user_id) m
      WHERE m.user_id = u.id`);
    await client.query('COMMIT');
    return { seeded: true, users: plan.users.length, messages: count, from: plan.from, to: options.end };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
