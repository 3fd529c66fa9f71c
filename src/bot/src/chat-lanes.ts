import { Logger } from '@dialogstack/runtime';

/**
 * Tasks keyed by chat: tasks of one chat run one after another in submission order, tasks
 * of different chats run concurrently.
 */
export class SerialLanes {
  private readonly tails = new Map<number, Promise<void>>();
  /** Tasks queued or running, per key (absent: none). */
  private readonly counts = new Map<number, number>();
  private pending = 0;
  private readonly listeners = new Set<() => void>();

  run<T>(key: number, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    this.pending += 1;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    void tail.then(() => {
      this.pending -= 1;
      const left = this.counts.get(key)! - 1;
      if (left === 0) this.counts.delete(key);
      else this.counts.set(key, left);
      if (this.tails.get(key) === tail) this.tails.delete(key);
      for (const listener of this.listeners) listener();
    });
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Tasks of one key queued or running. */
  sizeOf(key: number): number {
    return this.counts.get(key) ?? 0;
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

export interface TurnSteps<T> {
  /** Fast (one SQL statement); awaited by the update loop. */
  persist: () => Promise<T>;
  /** Slow (the LLM); runs in the chat's reply lane, never awaited by the update loop. */
  respond: (persisted: T) => Promise<void>;
  /** Tells the user their message could not be taken (persist failed). */
  persistFailed: (err: unknown) => Promise<void>;
}

/** A chat's place in line, reserved when an update arrives and filled once it is routed. */
export interface Turn {
  /** Resolves once persisted (and there is room for more replies). */
  take<T>(steps: TurnSteps<T>): Promise<void>;
  /** Gives the place up (the update needs no work); a no-op after `take`. */
  skip(): void;
}

/**
 * The bot's two-step handling of an update, designed around an update loop that awaits its
 * handlers (telegraf's polling and webhook both do):
 *
 * 1. `persist` runs in the chat's storage lane and is awaited by the update loop, so an
 *    update is confirmed to Telegram only once what it carries is stored.
 * 2. `respond` is queued in the chat's reply lane and NOT awaited, so the loop moves on to
 *    other chats at once. One reply per chat is in flight; later messages of the same chat
 *    wait their turn and are answered in order.
 *
 * The turn is reserved when the update arrives, before routing: telegraf's routes take a
 * different number of asynchronous steps, so a /reset could otherwise overtake the message
 * sent just before it in the same batch.
 *
 * Backpressure: when more than `maxPendingReplies` replies are queued, the update loop waits
 * before taking more updates, which keeps memory bounded under a burst.
 */
export class ChatLanes {
  private readonly storage = new SerialLanes();
  private readonly replies = new SerialLanes();
  private closing = false;
  private leftOwed = 0;

  constructor(private readonly log: Logger, private readonly maxPendingReplies = 1000) {}

  reserve(chatId: number): Turn {
    let decide: (steps: TurnSteps<unknown> | undefined) => void = () => undefined;
    const decided = new Promise<TurnSteps<unknown> | undefined>((resolve) => { decide = resolve; });
    const persisted = this.storage.run(chatId, async () => {
      const steps = await decided;
      return steps && { steps, value: await steps.persist() };
    });
    void this.replies.run(chatId, async () => {
      let outcome: Awaited<typeof persisted>;
      try {
        outcome = await persisted;
      } catch (err) {
        this.log.error('could not store an incoming message', { chatId, err });
        await (await decided)?.persistFailed(err);
        return;
      }
      if (!outcome) return;
      // Closing: a stored question not yet started stays owed; the next start's recovery answers it.
      if (this.closing) { this.leftOwed += 1; return; }
      await outcome.steps.respond(outcome.value);
    }).catch((err: unknown) => this.log.error('reply failed', { chatId, err }));

    return {
      take: async <T>(steps: TurnSteps<T>) => {
        decide(steps as TurnSteps<unknown>);
        await persisted.catch(() => undefined);
        await this.replies.waitUntilAtMost(this.maxPendingReplies);
      },
      skip: () => decide(undefined),
    };
  }

  get pendingReplies(): number {
    return this.replies.size;
  }

  /** Replies of one chat queued or being written (its turn being taken counts too). */
  pendingIn(chatId: number): number {
    return this.replies.sizeOf(chatId);
  }

  /** Waits for every queued reply until `deadline`; true if all finished. */
  drain(deadline: number): Promise<boolean> {
    return this.replies.waitUntilAtMost(0, deadline);
  }

  /**
   * For shutdown: starts no more replies and waits until `deadline` for the ones being
   * written. Queued questions are already stored without `replied_at`, so nothing is lost:
   * they are answered after the restart. Stopping therefore takes one LLM answer at most,
   * not the whole queue (which could outlast the container's stop grace period).
   */
  async close(deadline: number): Promise<{ finished: boolean; leftOwed: number }> {
    this.closing = true;
    const finished = await this.replies.waitUntilAtMost(0, deadline);
    return { finished, leftOwed: this.leftOwed };
  }
}
