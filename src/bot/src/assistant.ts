import { Logger } from '@dialogstack/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { TelegramError } from 'telegraf';
import { untilDatabaseAnswers } from './database-retry';
import { DialogStore, StoredUserMessage } from './dialog-store';
import { ChatMessage, Completion, isTransientLlmError, LlmClient, LlmTimeoutError } from './llm-client';
import { ReplySender } from './reply-sender';
import { TEXTS } from './texts';

export interface AssistantOptions {
  systemPrompt: string;
  /** Messages sent to the LLM besides the system prompt, the new one included. */
  contextMessages: number;
  /** The whole time an answer may take at the LLM, retries included (LLM_TIMEOUT_MS). */
  llmTimeoutMs: number;
  /** LLM tokens per user per UTC day; 0: no budget. */
  dailyTokenBudget: number;
}

/** Longest pause between two tries of a busy or failing LLM. */
const MAX_LLM_RETRY_DELAY_MS = 4000;

/**
 * Answers one stored question: context from the database, the LLM, then the reply
 * delivered (see `deliver` for the order that loses nothing).
 */
/** The process is stopping: a failed LLM try is not tried again; the question stays owed. */
class StoppingError extends Error {
  constructor() {
    super('stopping: the LLM is not tried again');
  }
}

export class Assistant {
  /** Questions queued or being answered in this process: the recovery sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly store: DialogStore,
    private readonly llm: LlmClient,
    private readonly replies: ReplySender,
    private readonly log: Logger,
    private readonly options: AssistantOptions,
  ) {}

  /** Claims a question for this process until `answer` is done with it; false when it is claimed already. */
  claim(question: Pick<StoredUserMessage, 'id'>): boolean {
    if (this.inFlight.has(question.id)) return false;
    this.inFlight.add(question.id);
    return true;
  }

  /** The questions this process has in hand (queued or being answered): their claims in the database are kept. */
  inHand(): string[] {
    return [...this.inFlight];
  }

  /**
   * For shutdown: answers being written get their current LLM try, no further one (an LLM
   * that went away first would otherwise hold the stop until the grace period ends). A
   * question whose try failed is left owed, without an apology: the next start answers it.
   */
  stop(): void {
    this.stopping.abort();
  }

  async answer(question: StoredUserMessage): Promise<void> {
    this.inFlight.add(question.id);
    let done = false;
    try {
      done = await this.answerClaimed(question);
    } finally {
      this.inFlight.delete(question.id);
    }
    // Still owed: given up now, so that the next sweep of any process takes it at once.
    if (!done) {
      await this.store.releaseClaims([question.id]).catch((err: unknown) => this.log.warn('could not give up a question; its claim lapses', { messageId: question.id, err }));
    }
  }

  /** Resolves true when the question is done with (replied to, or refused by Telegram), false when it stays owed. */
  private async answerClaimed(question: StoredUserMessage): Promise<boolean> {
    // Stored before (a redelivery, or work left by a stopped process): an earlier turn may have
    // replied since, or stored the answer without getting it out.
    if (question.redelivered) {
      const state = await untilDatabaseAnswers('read a reply state', () => this.store.replyState(question), this.log);
      if (state.replied) {
        this.log.info('duplicate update ignored', { chatId: question.chatId, messageId: question.id });
        return true;
      }
      if (state.answer !== undefined) {
        this.log.info('sending a stored answer that was not delivered', { chatId: question.chatId, messageId: question.id });
        return this.deliver(question, state.answer);
      }
    }
    const { dailyTokenBudget } = this.options;
    if (dailyTokenBudget > 0 && question.tokensToday >= dailyTokenBudget) {
      this.log.info('daily token budget used up', { chatId: question.chatId, userId: question.userId, tokensToday: question.tokensToday });
      return this.deliver(question, TEXTS.dailyBudget(untilMidnightUtc()), { stored: false });
    }

    const started = Date.now();
    const stopTyping = this.replies.showTyping(question.chatId);
    let completion: Completion;
    try {
      const history = await untilDatabaseAnswers('read the context', () => this.store.contextBefore(question, this.options.contextMessages - 1), this.log);
      completion = await this.complete([
        { role: 'system', content: this.options.systemPrompt },
        ...history,
        { role: 'user', content: question.text },
      ], started + this.options.llmTimeoutMs);
    } catch (err) {
      stopTyping();
      if (err instanceof StoppingError) {
        this.log.info('stopping: question left for the next start to answer', { chatId: question.chatId, messageId: question.id });
        return false;
      }
      this.log.warn('no answer from the LLM', { chatId: question.chatId, messageId: question.id, err });
      return this.deliver(question, err instanceof LlmTimeoutError ? TEXTS.llmTimeout : TEXTS.llmUnavailable, { stored: false });
    }
    const llmMs = Date.now() - started;
    stopTyping();
    const answer = await untilDatabaseAnswers('store an answer',
      () => this.store.storeReply(question, completion.text, completion.tokens), this.log);
    const done = await this.deliver(question, answer);
    this.log.info('answered', {
      chatId: question.chatId, messageId: question.id, llmMs, totalMs: Date.now() - started, length: answer.length, tokens: completion.tokens,
    });
    return done;
  }

  /**
   * The LLM's answer, trying again while it is busy or failing (429, 5xx, a broken
   * connection) until `deadline`; each try gets the time that is left.
   */
  private async complete(messages: ChatMessage[], deadline: number): Promise<Completion> {
    for (let attempt = 1; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new LlmTimeoutError(this.options.llmTimeoutMs);
      try {
        return await this.llm.complete(messages, left);
      } catch (err) {
        if (!isTransientLlmError(err)) throw err;
        if (this.stopping.signal.aborted) throw new StoppingError();
        const delayMs = Math.min(250 * 2 ** (attempt - 1), MAX_LLM_RETRY_DELAY_MS);
        if (Date.now() + delayMs >= deadline) throw err;
        this.log.warn('LLM failed, retrying', { attempt, delayMs, err });
        const stopped = await sleep(delayMs, false, { signal: this.stopping.signal }).catch(() => true);
        if (stopped) throw new StoppingError();
      }
    }
  }

  /**
   * Sends a reply, then records that it went out. The answer was stored first (storeReply),
   * so whatever stops the process at any point, nothing is lost:
   * - before the answer was stored: the question is still owed; the LLM is asked again.
   * - stored, not sent: the stored answer is sent on the next try (no second LLM call).
   * - sent, not yet recorded as replied (the moment between Telegram's "ok" and our
   *   UPDATE): sent again. A reply twice, never none: Telegram cannot take a message
   *   idempotently, so this is the narrowest window there is.
   * A Telegram refusal (the user blocked the bot, the chat is gone) ends the question too;
   * an unreachable Telegram leaves it owed, for the recovery sweep (resolves false).
   */
  private async deliver(question: StoredUserMessage, text: string, options: { stored?: boolean } = {}): Promise<boolean> {
    try {
      await this.replies.sendText(question.chatId, text);
    } catch (err) {
      if (!isFinalTelegramError(err)) {
        this.log.warn('reply not delivered; it stays owed', { chatId: question.chatId, messageId: question.id, stored: options.stored ?? true, err });
        return false;
      }
      this.log.warn('Telegram refused the reply; giving up on it', { chatId: question.chatId, messageId: question.id, err });
    }
    await untilDatabaseAnswers('record a reply as sent', () => this.store.markReplied(question), this.log);
    return true;
  }
}

/** 4xx other than 429: the request itself is refused (blocked by the user, chat not found); trying again cannot help. */
function isFinalTelegramError(err: unknown): boolean {
  return err instanceof TelegramError && err.code >= 400 && err.code < 500 && err.code !== 429;
}

/** `5 h 12 min`: how long until the UTC day ends. */
function untilMidnightUtc(now = new Date()): string {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const minutes = Math.ceil((midnight - now.getTime()) / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
