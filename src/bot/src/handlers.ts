import { Context, Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import { Assistant } from './assistant';
import { ChatLanes } from './chat-lanes';
import { DialogStore, Person } from './dialog-store';
import { Logger } from './logger';
import { ReplySender } from './reply-sender';
import { TEXTS } from './texts';

export interface HandlerDeps {
  lanes: ChatLanes;
  store: DialogStore;
  assistant: Assistant;
  replies: ReplySender;
  systemPrompt: string;
  log: Logger;
}

/**
 * Routes incoming messages. Every handler only admits work to the chat's lanes: the update
 * loop waits for the database write, never for the LLM.
 */
export function registerHandlers(bot: Telegraf, deps: HandlerDeps): void {
  const { lanes, store, assistant, replies } = deps;

  /** Records the sender, then says `text` once earlier replies in this chat are out. */
  const answerWith = (text: (ctx: Context, person: Person) => string) => (ctx: Context) => {
    const sender = senderOf(ctx);
    if (!sender) return;
    const { person, chatId, sentAt } = sender;
    return lanes.admit(chatId, {
      persist: () => store.rememberUser(person, sentAt),
      respond: () => replies.sendText(chatId, text(ctx, person)),
      persistFailed: () => replies.sendText(chatId, TEXTS.notSaved),
    });
  };

  bot.start(answerWith((_ctx, person) => TEXTS.start(person.first_name)));
  bot.help(answerWith(() => TEXTS.help));
  bot.command('role', answerWith(() => TEXTS.role(deps.systemPrompt)));

  bot.command('reset', (ctx) => {
    const sender = senderOf(ctx);
    if (!sender) return;
    const { person, chatId, sentAt } = sender;
    // Hidden at arrival: messages sent before /reset go, messages sent after it stay.
    return lanes.admit(chatId, {
      persist: async () => {
        await store.rememberUser(person, sentAt);
        return store.hideDialog(person.id, chatId);
      },
      respond: () => replies.sendText(chatId, TEXTS.reset),
      persistFailed: () => replies.sendText(chatId, TEXTS.notSaved),
    });
  });

  bot.on(message('text'), (ctx) => {
    const sender = senderOf(ctx);
    if (!sender) return;
    const { person, chatId, sentAt } = sender;
    if (ctx.message.entities?.[0]?.type === 'bot_command' && ctx.message.entities[0].offset === 0) {
      return answerWith(() => TEXTS.unknownCommand)(ctx);
    }
    return lanes.admit(chatId, {
      persist: () => store.storeUserMessage(person, chatId, ctx.message.message_id, ctx.message.text, sentAt),
      respond: async (question) => {
        if (question) await assistant.answer(question);
        else deps.log.info('duplicate update ignored', { chatId, telegramMessageId: ctx.message.message_id });
      },
      persistFailed: () => replies.sendText(chatId, TEXTS.notSaved),
    });
  });

  // Stickers, photos, voice...: the LLM only reads text.
  bot.on('message', answerWith(() => TEXTS.nonText));
}

/** The human behind a message; undefined for messages of bots and channels, which we ignore. */
function senderOf(ctx: Context): { person: Person; chatId: number; sentAt: Date } | undefined {
  const from = ctx.from;
  const chat = ctx.chat;
  if (!from || from.is_bot || !chat || !ctx.message) return undefined;
  return { person: from, chatId: chat.id, sentAt: new Date(ctx.message.date * 1000) };
}
