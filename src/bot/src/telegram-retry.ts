import { Logger } from '@dialogstack/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { TelegramError } from 'telegraf';

export interface RetryPolicy {
  readonly maxAttempts: number;
  /** A 429 asking for a longer wait than this is given up at once. */
  readonly maxDelayMs: number;
  /** First back-off after a 5xx without retry_after; doubles each attempt. */
  readonly baseDelayMs: number;
}

export const TELEGRAM_RETRY: RetryPolicy = { maxAttempts: 5, maxDelayMs: 60_000, baseDelayMs: 1000 };

/**
 * Runs a Bot API call; on 429 waits exactly as long as Telegram asks (parameters.retry_after),
 * on 5xx backs off exponentially, both a bounded number of times. Other errors (400 bad
 * request, 403 blocked by the user...) are final and thrown at once.
 */
export async function callWithRetry<T>(call: () => Promise<T>, what: string, log: Logger, policy: RetryPolicy = TELEGRAM_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const delayMs = retryDelayMs(err, attempt, policy);
      if (delayMs === undefined || attempt >= policy.maxAttempts) throw err;
      log.warn('telegram call failed, retrying', { call: what, attempt, delayMs, code: (err as TelegramError).code });
      await sleep(delayMs);
    }
  }
}

export function retryDelayMs(err: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  if (!(err instanceof TelegramError)) return undefined;
  const retryAfter = err.parameters?.retry_after;
  if (err.code === 429) {
    const delayMs = (retryAfter ?? 1) * 1000;
    return delayMs <= policy.maxDelayMs ? delayMs : undefined;
  }
  if (err.code >= 500) {
    return retryAfter !== undefined ? retryAfter * 1000 : Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  }
  return undefined;
}
