import { ConnectionError, isSessionLost } from '@dialogstack/db';
import { Logger } from '@dialogstack/runtime';
import { setTimeout as sleep } from 'node:timers/promises';

/** SQLSTATEs of a server that is there but not taking work: starting up, shutting down, out of connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P03', '57P01', '57P02', '53300']);

/** The statement did not run because the database could not be reached (not because it was wrong). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return isSessionLost(err) || (typeof code === 'string' && UNAVAILABLE_SQLSTATES.has(code));
}

export interface DatabaseRetryOptions {
  /** Give up (and throw) after this long. @default 300000 */
  readonly giveUpAfterMs?: number;
  /** Longest pause between tries: bounds how long after the database is back the work resumes. @default 500 */
  readonly maxDelayMs?: number;
  /** Stops the waiting early (shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Runs `work` until the database answers it. A restart or failover of PostgreSQL takes
 * seconds; what the bot was doing then (taking an update, storing or marking an answer)
 * waits and carries on instead of failing, so nothing is lost and nothing is done twice.
 * `work` must be safe to run again (every write of the bot is idempotent). Errors that do
 * not say "unavailable" (a bad statement, a timeout) are thrown at once.
 */
export async function untilDatabaseAnswers<T>(what: string, work: () => Promise<T>, log: Logger, options: DatabaseRetryOptions = {}): Promise<T> {
  const { giveUpAfterMs = 300_000, maxDelayMs = 500, signal } = options;
  const started = Date.now();
  let delayMs = 50;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await work();
      if (attempt > 1) log.info('database answers again', { what, attempts: attempt, waitedMs: Date.now() - started });
      return result;
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() - started > giveUpAfterMs || signal?.aborted) throw err;
      if (attempt === 1) log.warn('database unavailable; waiting for it', { what, err });
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
