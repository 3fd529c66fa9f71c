import { callWithRetry, retryDelayMs, TELEGRAM_RETRY } from '@dialogstack/bot';
import { createLogger } from '@dialogstack/runtime';
import { TelegramError } from 'telegraf';

const error = (code: number, retryAfter?: number) =>
  new TelegramError({ error_code: code, description: 'x', ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }) });

describe('Telegram retry policy', () => {
  it('waits as long as a 429 asks, and gives up when that is longer than the bound', () => {
    expect(retryDelayMs(error(429, 3), 1, TELEGRAM_RETRY)).toBe(3000);
    expect(retryDelayMs(error(429, 3600), 1, TELEGRAM_RETRY)).toBeUndefined();
  });

  it('backs off exponentially on 5xx, capped', () => {
    expect([1, 2, 3].map((attempt) => retryDelayMs(error(502), attempt, TELEGRAM_RETRY))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(error(500), 20, TELEGRAM_RETRY)).toBe(TELEGRAM_RETRY.maxDelayMs);
  });

  it('never retries a request Telegram refused (4xx) or a non-Telegram error', () => {
    expect(retryDelayMs(error(400), 1, TELEGRAM_RETRY)).toBeUndefined();
    expect(retryDelayMs(error(403), 1, TELEGRAM_RETRY)).toBeUndefined();
    expect(retryDelayMs(new Error('socket hang up'), 1, TELEGRAM_RETRY)).toBeUndefined();
  });

  it('stops after maxAttempts', async () => {
    let calls = 0;
    const policy = { maxAttempts: 3, maxDelayMs: 1000, baseDelayMs: 1 };
    await expect(callWithRetry(async () => { calls += 1; throw error(503); }, 'test', createLogger('bot', { level: 'error', write: () => undefined }), policy))
      .rejects.toThrow('503');
    expect(calls).toBe(3);
  });
});
