import { Logger } from '@dialogstack/runtime';
import { Telegram } from 'telegraf';
import { splitMessage } from './split-message';
import { callWithRetry } from './telegram-retry';

/** Telegram clients show "typing…" for 5 s after a chat action; renewing every 4 s keeps it steady. */
export const TYPING_REFRESH_MS = 4000;

/** Everything the bot says goes through here: split to Telegram's limit, retried as Telegram asks. */
export class ReplySender {
  constructor(private readonly telegram: Telegram, private readonly log: Logger) {}

  async sendText(chatId: number, text: string): Promise<void> {
    for (const part of splitMessage(text)) {
      await callWithRetry(() => this.telegram.sendMessage(chatId, part), 'sendMessage', this.log);
    }
  }

  /** Shows "typing…" until the returned function is called. Best effort: a failed action only logs. */
  showTyping(chatId: number): () => void {
    const send = () => {
      this.telegram.sendChatAction(chatId, 'typing').catch((err: unknown) => this.log.debug('typing indicator failed', { chatId, err }));
    };
    send();
    const timer = setInterval(send, TYPING_REFRESH_MS);
    return () => clearInterval(timer);
  }
}
