import { Logger } from '@dialogstack/runtime';
import type { Message, Update } from 'telegraf/types';
import { Admission } from './admission';
import { Assistant } from './assistant';
import { ChatLanes, Turn, TurnSteps } from './chat-lanes';
import { untilDatabaseAnswers } from './database-retry';
import { DialogStore, Person } from './dialog-store';
import { BotMetrics } from './metrics';
import { ReplySender } from './reply-sender';
import { TEXTS } from './texts';

export interface HandlerDeps {
  lanes: ChatLanes;
  store: DialogStore;
  assistant: Assistant;
  replies: ReplySender;
  admission: Admission;
  metrics: BotMetrics;
  systemPrompt: string;
  log: Logger;
  /** The bot's @username (getMe), for commands addressed as `/help@name`; known once the bot has started. */
  username: () => string | undefined;
}

/** A message from a person, with its chat's turn already reserved. */
interface Incoming {
  person: Person;
  chatId: number;
  sentAt: Date;
  turn: Turn;
}

/** Commands answered with a fixed text (the rest of the routing is in `route`). */
const COMMANDS = ['start', 'help', 'role', 'reset'] as const;
type Command = (typeof COMMANDS)[number];

/**
 * Handles one update from Telegram: resolves once what it carries is stored (the update
 * loop confirms it to Telegram then), never rejects. Handlers only hand work to the chat's
 * turn: the update loop waits for the database write, never for the LLM.
 *
 * Our own routing on the raw update rather than telegraf's middleware chain: the bot has
 * six routes, and telegraf built a Telegram client, a Context, a timeout timer and a
 * promise per middleware for every update, a tenth of the bot's allocations per message.
 * The routes are telegraf's (bot.start / help / command / on(message('text')) / on('message')).
 */
export function createUpdateHandler(deps: HandlerDeps): (update: Update) => Promise<void> {
  const { lanes, store, assistant, replies, admission, metrics, log } = deps;

  /**
   * Persisting waits for the database through a restart or failover (the update is confirmed
   * to Telegram only once stored); any other failure is told to the user.
   */
  const take = <T>({ turn, chatId }: Incoming, steps: Omit<TurnSteps<T>, 'persistFailed'>) => turn.take({
    ...steps,
    persist: () => untilDatabaseAnswers('store an incoming message', steps.persist, log),
    persistFailed: () => replies.sendText(chatId, TEXTS.notSaved),
  });

  /** Records the sender, then says `text` once earlier replies in this chat are out. */
  const answerWith = (incoming: Incoming, text: string) => take(incoming, {
    persist: () => store.rememberUser(incoming.person, incoming.sentAt),
    respond: () => replies.sendText(incoming.chatId, text),
  });

  const command = (incoming: Incoming, name: Command) => {
    const { person, chatId, sentAt } = incoming;
    switch (name) {
      case 'start': return answerWith(incoming, TEXTS.start(person.first_name));
      case 'help': return answerWith(incoming, TEXTS.help);
      case 'role': return answerWith(incoming, TEXTS.role(deps.systemPrompt));
      case 'reset':
        // Hidden in arrival order: messages sent before /reset go, messages sent after it stay.
        return take(incoming, {
          persist: async () => {
            await store.rememberUser(person, sentAt);
            return store.hideDialog(person.id, chatId);
          },
          respond: () => replies.sendText(chatId, TEXTS.reset),
        });
    }
  };

  const question = (incoming: Incoming, message: Message.TextMessage) => {
    const { person, chatId, sentAt } = incoming;
    const telegramMessageId = message.message_id;
    const text = message.text;
    return take(incoming, {
      persist: async () => {
        const stored = await store.storeUserMessage(person, chatId, telegramMessageId, text, sentAt);
        // In hand from now on: the recovery sweep must not queue it a second time.
        return stored && assistant.claim(stored) ? stored : undefined;
      },
      respond: async (stored) => {
        if (stored) await assistant.answer(stored);
        else log.info('duplicate update ignored', { chatId, telegramMessageId });
      },
    });
  };

  const route = (incoming: Incoming, message: Message): Promise<void> => {
    // Stickers, photos, voice...: the LLM only reads text.
    if (!('text' in message)) return answerWith(incoming, TEXTS.nonText);
    const first = message.entities?.[0];
    if (first?.type !== 'bot_command' || first.offset !== 0) return question(incoming, message);
    const name = commandName(message.text, first.length, deps.username());
    return name === undefined ? answerWith(incoming, TEXTS.unknownCommand) : command(incoming, name);
  };

  return async (update) => {
    metrics.countUpdate(updateType(update));
    const message = 'message' in update ? update.message : undefined;
    const from = message?.from;
    if (!message || !from || from.is_bot) return; // bots, channels and other updates are ignored
    const chatId = message.chat.id;
    try {
      const text = 'text' in message ? message.text : undefined;
      const refusal = admission.check(from, chatId, text);
      if (refusal) {
        log.info('message refused', { chatId, userId: from.id, reason: refusal.reason, told: refusal.tell });
        // Not stored, not queued: the reply goes out at once (earlier answers may still be on their way).
        if (refusal.tell) void replies.sendText(chatId, refusal.reply).catch((err: unknown) => log.warn('refusal not delivered', { chatId, err }));
        return;
      }
      const turn = lanes.reserve(chatId);
      try {
        await route({ person: from, chatId, sentAt: new Date(message.date * 1000), turn }, message);
      } finally {
        turn.skip();
      }
    } catch (err) {
      log.error('update handling failed', { updateId: update.update_id, err });
    }
  };
}

/**
 * The command a message starts with, as telegraf's `bot.command` matches it: `/help`, or
 * `/help@name` when `name` is this bot (case-insensitively); undefined for anything else
 * (an unknown command, or one addressed to another bot).
 */
function commandName(text: string, length: number, username: string | undefined): Command | undefined {
  const [part, to] = text.slice(0, length).split('@');
  if (!part) return undefined;
  if (to && to.toLowerCase() !== username?.toLowerCase()) return undefined;
  const name = part.slice(1);
  return (COMMANDS as readonly string[]).includes(name) ? name as Command : undefined;
}

/** The update's type as telegraf names it (`message`, `edited_message`...): its one field besides update_id. */
function updateType(update: Update): string {
  for (const key in update) if (key !== 'update_id') return key;
  return 'unknown';
}
