import { Logger } from '@dialogstack/runtime';
import { Assistant } from './assistant';
import { ChatLanes } from './chat-lanes';
import { isDatabaseUnavailable } from './database-retry';
import { DialogStore } from './dialog-store';

export interface RecoveryOptions {
  /** How far back an unanswered question is still answered. @default 1 hour */
  readonly windowMs: number;
  /** How often the database is searched for owed replies while running. @default 30 s */
  readonly intervalMs: number;
  /** Questions taken per search. @default 500 */
  readonly batch: number;
}

export const DEFAULT_RECOVERY: RecoveryOptions = { windowMs: 3_600_000, intervalMs: 30_000, batch: 500 };

/**
 * Replies the bot still owes. The database is the queue: a stored question without
 * `replied_at` is unfinished work, whatever stopped it (a crash or `kill -9` after Telegram
 * was told the update was taken, an unreachable Telegram). At start-up, before new updates
 * are taken, and then every `intervalMs`, each such question not already in hand is queued in
 * its chat's lane, in order, and answered (or its stored answer sent).
 */
export class Recovery {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly store: DialogStore,
    private readonly assistant: Assistant,
    private readonly lanes: ChatLanes,
    private readonly log: Logger,
    private readonly options: RecoveryOptions = DEFAULT_RECOVERY,
  ) {}

  /** The first sweep (awaited: its questions go first in their lanes), then one every interval. */
  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Queues every owed reply not in hand; resolves how many. */
  sweep(): Promise<number> {
    this.sweeping ??= this.queueOwed().finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  private async queueOwed(): Promise<number> {
    let owed;
    try {
      owed = await this.store.unrepliedQuestions(this.options.windowMs, this.options.batch);
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
