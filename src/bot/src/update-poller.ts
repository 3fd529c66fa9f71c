import { Logger } from '@dialogstack/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { Telegram, TelegramError } from 'telegraf';
import { Update } from 'telegraf/types';
import { settlesBy } from './deadline';
import { UpdateSource } from './update-source';

export interface PollerOptions {
  /** Long-poll timeout of getUpdates. */
  timeoutSeconds: number;
  /**
   * The loop counts as dead when no getUpdates succeeded for this long and it is not busy
   * admitting a batch. Must exceed timeoutSeconds: an idle long poll succeeds only that often.
   */
  staleAfterMs: number;
}

export const DEFAULT_POLLER_OPTIONS: PollerOptions = { timeoutSeconds: 50, staleAfterMs: 90_000 };

type CallApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

/**
 * Long polling, our own loop rather than telegraf's so that the health check can see it
 * and shutdown can end the pending long poll at once. A batch is confirmed (the next
 * offset sent) only after every update of it has been admitted, i.e. stored.
 */
export class UpdatePoller implements UpdateSource {
  readonly mode = 'polling';
  private offset = 0;
  private lastSuccessAt?: number;
  private handling = false;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly telegram: Telegram,
    private readonly handle: (update: Update) => Promise<void>,
    private readonly log: Logger,
    /** Telegram refused the token (401): polling cannot recover. */
    private readonly onFatal: (err: Error) => void,
    private readonly options: PollerOptions = DEFAULT_POLLER_OPTIONS,
  ) {}

  async start(): Promise<void> {
    // A webhook left over from an earlier deployment would make getUpdates fail with 409.
    await this.telegram.deleteWebhook({ drop_pending_updates: false });
    // Telegram answered: alive until the first long poll (up to timeoutSeconds) says otherwise.
    this.lastSuccessAt = Date.now();
    this.loop = this.run();
  }

  isAlive(now: number): boolean {
    if (this.stopping.signal.aborted) return false;
    return this.handling || (this.lastSuccessAt !== undefined && now - this.lastSuccessAt < this.options.staleAfterMs);
  }

  async stop(deadline: number): Promise<void> {
    this.stopping.abort();
    const finished = await settlesBy(this.loop ?? Promise.resolve(), deadline);
    // Confirm what was admitted so a restart does not receive it again; skipped if a batch is unfinished.
    if (finished && this.offset > 0) {
      await this.telegram.callApi('getUpdates', { offset: this.offset, limit: 1, timeout: 0 }, { signal: AbortSignal.timeout(2000) as CallApiSignal })
        .catch((err: unknown) => this.log.warn('could not confirm the last updates', { err }));
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.telegram.callApi('getUpdates', {
          offset: this.offset,
          timeout: this.options.timeoutSeconds,
          allowed_updates: ['message'],
        }, {
          // A long poll that outlives its timeout is a hung connection: drop it and poll again.
          signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout((this.options.timeoutSeconds + 15) * 1000)]) as CallApiSignal,
        });
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        if (err instanceof TelegramError && err.code === 401) {
          this.onFatal(new Error('Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)'));
          return;
        }
        failures += 1;
        const retryAfter = err instanceof TelegramError ? err.parameters?.retry_after : undefined;
        const delayMs = retryAfter !== undefined ? retryAfter * 1000 : Math.min(500 * 2 ** (failures - 1), 30_000);
        this.log.warn('getUpdates failed', { err, failures, retryInMs: delayMs });
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      failures = 0;
      this.lastSuccessAt = Date.now();
      if (updates.length === 0) continue;
      this.offset = updates[updates.length - 1].update_id + 1;
      this.handling = true;
      try {
        await Promise.all(updates.map((update) => this.handle(update).catch((err: unknown) => {
          this.log.error('update not handled', { updateId: update.update_id, err });
        })));
      } finally {
        this.handling = false;
      }
    }
  }
}
