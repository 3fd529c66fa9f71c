import { Logger } from '@dialogstack/runtime';
import { DialogStore, StoredUserMessage } from './dialog-store';
import { LlmClient, LlmTimeoutError } from './llm-client';
import { ReplySender } from './reply-sender';
import { TEXTS } from './texts';

export interface AssistantOptions {
  systemPrompt: string;
  /** Messages sent to the LLM besides the system prompt, the new one included. */
  contextMessages: number;
}

/** Answers one stored user message: context from the database, the LLM, the reply stored and sent. */
export class Assistant {
  constructor(
    private readonly store: DialogStore,
    private readonly llm: LlmClient,
    private readonly replies: ReplySender,
    private readonly log: Logger,
    private readonly options: AssistantOptions,
  ) {}

  async answer(question: StoredUserMessage): Promise<void> {
    // A re-delivered message was unanswered when it was stored; the chat's earlier turn (its
    // first delivery, still in progress then) may have answered it since.
    if (question.redelivered && await this.store.hasAnswer(question)) {
      this.log.info('duplicate update ignored', { chatId: question.chatId, messageId: question.id });
      return;
    }
    const started = Date.now();
    const stopTyping = this.replies.showTyping(question.chatId);
    let answer: string;
    try {
      const history = await this.store.contextBefore(question, this.options.contextMessages - 1);
      answer = await this.llm.complete([
        { role: 'system', content: this.options.systemPrompt },
        ...history,
        { role: 'user', content: question.text },
      ]);
    } catch (err) {
      stopTyping();
      this.log.warn('no answer from the LLM', { chatId: question.chatId, messageId: question.id, err });
      await this.replies.sendText(question.chatId, err instanceof LlmTimeoutError ? TEXTS.llmTimeout : TEXTS.llmUnavailable);
      return;
    }
    const llmMs = Date.now() - started;
    stopTyping();
    // Stored while it is being sent (the commit's disk flush overlaps the HTTP call); both
    // finish before this chat's next message is answered, so its context includes this answer.
    const stored = this.store.storeReply(question, answer).catch((err: unknown) => {
      // The user still gets the answer; only our record of it is missing.
      this.log.error('could not store the answer', { chatId: question.chatId, messageId: question.id, err });
    });
    await Promise.all([stored, this.replies.sendText(question.chatId, answer)]);
    this.log.info('answered', { chatId: question.chatId, messageId: question.id, llmMs, totalMs: Date.now() - started, length: answer.length });
  }
}
