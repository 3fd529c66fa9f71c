import { Logger } from '@dialogstack/runtime';
import { Assistant } from './assistant';
import { ChatLanes } from './chat-lanes';
import { isDatabaseUnavailable } from './database-retry';
import { DEFAULT_CLAIM_MS, DialogStore } from './dialog-store';

export interface RecoveryOptions {
  /** How far back an unanswered question is still answered. @default 1 hour */
  readonly windowMs: number;
  /** How often the database is searched for owed replies while running. @default 30 s */
  readonly intervalMs: number;
  /** Questions taken per search. @default 500 */
  readonly batch: number;
  /**
   * How long this process's claim on a question lasts unless renewed (renewed every third of
   * it while in hand): after a crash, how long other processes leave its questions alone.
   * @default 30 s
   */
  readonly claimMs?: number;
}

export const DEFAULT_RECOVERY: RecoveryOptions = { windowMs: 3_600_000, intervalMs: 30_000, batch: 500, claimMs: DEFAULT_CLAIM_MS };

/**
 * Replies the bot still owes. The database is the queue: a stored question without
 * `replied_at` is unfinished work, whatever stopped it (a crash or `kill -9` after Telegram
 * was told the update was taken, an unreachable Telegram). At start-up, before new updates
 * are taken, and then every `intervalMs`, each such question not already in hand is queued in
 * its chat's lane, in order, and answered (or its stored answer sent).
 */
export class Recovery {
  private timer?: NodeJS.Timeout;
  private renewer?: NodeJS.Timeout;
  private released = false;
  private sweeping?: Promise<number>;

  constructor(
    private readonly store: DialogStore,
    private readonly assistant: Assistant,
    private readonly lanes: ChatLanes,
    private readonly log: Logger,
    private readonly options: RecoveryOptions = DEFAULT_RECOVERY,
  ) {}

  /**
   * The first sweep (awaited: its questions go first in their lanes), then one every interval;
   * the claims on the questions in hand are renewed every third of a claim's length.
   * `exclusive`: no other process can be running (a long-polling bot: Telegram refuses a
   * second poller, and a deploy stops the old one first), so the first sweep also takes the
   * questions a crashed predecessor still claims, at once rather than once its claims lapse.
   */
  async start(options: { exclusive: boolean }): Promise<void> {
    await this.sweep(options.exclusive);
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
    this.renewer = setInterval(() => void this.renewClaims(), (this.options.claimMs ?? DEFAULT_CLAIM_MS) / 3);
    this.renewer.unref();
  }

  /** No more sweeps (the claims are still renewed until `release`). */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * For the end of a shutdown: stops renewing and gives up the questions still in hand (queued
   * but not answered in the grace period), so that the next process takes them at once rather
   * than once their claims lapse.
   */
  async release(): Promise<void> {
    this.stop();
    clearInterval(this.renewer);
    if (this.released) return;
    this.released = true;
    const ids = this.assistant.inHand();
    await this.store.releaseClaims(ids).catch((err: unknown) => this.log.warn('could not give up the questions in hand; their claims lapse', { count: ids.length, err }));
  }

  private async renewClaims(): Promise<void> {
    await this.store.renewClaims(this.assistant.inHand()).catch((err: unknown) => {
      if (!isDatabaseUnavailable(err)) this.log.error('could not renew the claims on the questions in hand', { err });
    });
  }

  /** Queues every owed reply in no process's hands (claiming it); resolves how many. */
  sweep(takeOver = false): Promise<number> {
    this.sweeping ??= this.queueOwed(takeOver).finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  private async queueOwed(takeOver: boolean): Promise<number> {
    let owed;
    try {
      owed = await this.store.unrepliedQuestions(this.options.windowMs, this.options.batch, takeOver);
    } catch (err) {
      // The next sweep tries again; a database outage is reported where work waits for it.
      if (!isDatabaseUnavailable(err)) this.log.error('could not look for owed replies', { err });
      return 0;
    }
    let queued = 0;
    for (const question of owed) {
      if (!this.assistant.claim(question)) continue;
      queued += 1;
      void this.lanes.reserve(question.chatId).take({
        persist: async () => question,
        respond: (q) => this.assistant.answer(q),
        persistFailed: async () => undefined,
      });
    }
    if (queued > 0) this.log.info('answering owed replies', { count: queued });
    return queued;
  }
}
