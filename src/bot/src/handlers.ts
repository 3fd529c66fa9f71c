import { Logger } from '@dialogstack/runtime';
import { Context, Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import { Assistant } from './assistant';
import { ChatLanes, Turn, TurnSteps } from './chat-lanes';
import { DialogStore, Person } from './dialog-store';
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

/** A message from a person, with its chat's turn already reserved. */
interface Incoming {
  person: Person;
  chatId: number;
  sentAt: Date;
  turn: Turn;
}

/**
 * Routes incoming messages. Handlers only hand work to the chat's turn: the update loop
 * waits for the database write, never for the LLM.
 */
export function registerHandlers(bot: Telegraf, deps: HandlerDeps): void {
  const { lanes, store, assistant, replies } = deps;

  // First middleware: runs in arrival order, before routing reorders anything.
  bot.use(async (ctx, next) => {
    const from = ctx.from;
    if (!from || from.is_bot || !ctx.chat || !ctx.message) return; // bots and channels are ignored
    const turn = lanes.reserve(ctx.chat.id);
    ctx.state.incoming = { person: from, chatId: ctx.chat.id, sentAt: new Date(ctx.message.date * 1000), turn } satisfies Incoming;
    try {
      await next();
    } finally {
      turn.skip();
    }
  });

  const take = <T>(ctx: Context, steps: Omit<TurnSteps<T>, 'persistFailed'>) => {
    const { turn, chatId } = incoming(ctx);
    return turn.take({ ...steps, persistFailed: () => replies.sendText(chatId, TEXTS.notSaved) });
  };

  /** Records the sender, then says `text` once earlier replies in this chat are out. */
  const answerWith = (text: (person: Person) => string) => (ctx: Context) => {
    const { person, chatId, sentAt } = incoming(ctx);
    return take(ctx, {
      persist: () => store.rememberUser(person, sentAt),
      respond: () => replies.sendText(chatId, text(person)),
    });
  };

  bot.start(answerWith((person) => TEXTS.start(person.first_name)));
  bot.help(answerWith(() => TEXTS.help));
  bot.command('role', answerWith(() => TEXTS.role(deps.systemPrompt)));

  bot.command('reset', (ctx) => {
    const { person, chatId, sentAt } = incoming(ctx);
    // Hidden in arrival order: messages sent before /reset go, messages sent after it stay.
    return take(ctx, {
      persist: async () => {
        await store.rememberUser(person, sentAt);
        return store.hideDialog(person.id, chatId);
      },
      respond: () => replies.sendText(chatId, TEXTS.reset),
    });
  });

  bot.on(message('text'), (ctx) => {
    const { person, chatId, sentAt } = incoming(ctx);
    const [first] = ctx.message.entities ?? [];
    if (first?.type === 'bot_command' && first.offset === 0) return answerWith(() => TEXTS.unknownCommand)(ctx);
    return take(ctx, {
      persist: () => store.storeUserMessage(person, chatId, ctx.message.message_id, ctx.message.text, sentAt),
      respond: async (question) => {
        if (question) await assistant.answer(question);
        else deps.log.info('duplicate update ignored', { chatId, telegramMessageId: ctx.message.message_id });
      },
    });
  });

  // Stickers, photos, voice...: the LLM only reads text.
  bot.on('message', answerWith(() => TEXTS.nonText));
}

function incoming(ctx: Context): Incoming {
  return ctx.state.incoming as Incoming;
}
