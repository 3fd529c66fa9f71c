import { Logger } from './logger';

/**
 * Tasks keyed by chat: tasks of one chat run one after another in submission order, tasks
 * of different chats run concurrently.
 */
export class SerialLanes {
  private readonly tails = new Map<number, Promise<void>>();
  private pending = 0;
  private readonly listeners = new Set<() => void>();

  run<T>(key: number, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    this.pending += 1;
    void tail.then(() => {
      this.pending -= 1;
      if (this.tails.get(key) === tail) this.tails.delete(key);
      for (const listener of this.listeners) listener();
    });
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Resolves once at most `count` tasks are left, or at `deadline` (epoch ms); true if the count was reached. */
  waitUntilAtMost(count: number, deadline = Infinity): Promise<boolean> {
    if (this.pending <= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (reached: boolean) => {
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(reached);
      };
      const check = () => { if (this.pending <= count) finish(true); };
      const timer = deadline === Infinity ? undefined : setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
      this.listeners.add(check);
    });
  }
}

/**
 * The bot's two-step handling of an update, designed around an update loop that awaits its
 * handlers (telegraf's polling and webhook both do):
 *
 * 1. `persist` (fast: one SQL statement) runs in the chat's storage lane and is awaited by the
 *    update loop, so an update is confirmed to Telegram only once what it carries is stored.
 * 2. `respond` (slow: the LLM) is queued in the chat's reply lane and NOT awaited, so the loop
 *    moves on to other chats at once. One reply per chat is in flight; later messages of the
 *    same chat wait their turn and are answered in order.
 *
 * Backpressure: when more than `maxPendingReplies` replies are queued, the update loop waits
 * before taking more updates, which keeps memory bounded under a burst.
 */
export class ChatLanes {
  private readonly storage = new SerialLanes();
  private readonly replies = new SerialLanes();

  constructor(private readonly log: Logger, private readonly maxPendingReplies = 1000) {}

  async admit<T>(chatId: number, step: {
    persist: () => Promise<T>;
    respond: (persisted: T) => Promise<void>;
    /** Tells the user their message could not be taken (persist failed). */
    persistFailed: (err: unknown) => Promise<void>;
  }): Promise<void> {
    const persisted = this.storage.run(chatId, step.persist);
    void this.replies.run(chatId, async () => {
      let value: T;
      try {
        value = await persisted;
      } catch (err) {
        this.log.error('could not store an incoming message', { chatId, err });
        await step.persistFailed(err);
        return;
      }
      await step.respond(value);
    }).catch((err: unknown) => this.log.error('reply failed', { chatId, err }));
    await persisted.catch(() => undefined);
    await this.replies.waitUntilAtMost(this.maxPendingReplies);
  }

  get pendingReplies(): number {
    return this.replies.size;
  }

  /** Waits for every queued reply until `deadline`; true if all finished. */
  drain(deadline: number): Promise<boolean> {
    return this.replies.waitUntilAtMost(0, deadline);
  }
}
