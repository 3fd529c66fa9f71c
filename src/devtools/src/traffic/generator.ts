import { sleep } from '../http';
import { EmulatorClient } from './emulator-client';
import { persona, Persona } from './personas';
import { InjectedMessage, UserMessageInput } from '../telegram/emulator';

export interface TrafficOptions {
  /** Base URL of the Telegram emulator. */
  telegramUrl: string;
  users: number;
  messagesPerUser: number;
  /** Pause between a reply and the person's next message (±50 % jitter). */
  pauseMs: number;
  replyTimeoutMs: number;
  /** How many times each person runs their script; 0 = until stopped. */
  rounds: number;
  signal?: AbortSignal;
  onEvent?: (msg: string, fields: Record<string, unknown>) => void;
  /**
   * Make every question unique (` #<n>` appended), so that each reply can be matched to the
   * question it quotes (the LLM stub quotes it): how a fault drill counts lost and
   * duplicated answers. @default false
   */
  numbered?: boolean;
  /** Told about every message the moment it was handed to the emulator. */
  onSent?: (message: TrafficMessage) => void;
}

/** A message one of the simulated people sent. */
export interface TrafficMessage extends InjectedMessage {
  /** The text, or undefined for a sticker. */
  text?: string;
  /** A question for the LLM (not a command, not a sticker). */
  question: boolean;
  /** Epoch milliseconds. */
  at: number;
}

export interface TrafficProgress {
  sent: number;
  answered: number;
  unanswered: number;
  done: boolean;
}

/**
 * Plays several people chatting with the bot through the emulator: each says hello with
 * /start, asks their questions one at a time (waiting for the answer), now and then sends
 * a sticker, and once per round asks for /role or wipes the context with /reset.
 */
export class TrafficGenerator {
  readonly progress: TrafficProgress = { sent: 0, answered: 0, unanswered: 0, done: false };
  private readonly client: EmulatorClient;
  private questions = 0;

  constructor(private readonly options: TrafficOptions) {
    this.client = new EmulatorClient(options.telegramUrl);
  }

  async run(): Promise<TrafficProgress> {
    const people = Array.from({ length: this.options.users }, (_, i) => persona(i));
    await Promise.all(people.map((p, i) => this.play(p, i)));
    this.progress.done = true;
    return this.progress;
  }

  private async play(person: Persona, index: number): Promise<void> {
    const { rounds, messagesPerUser, signal } = this.options;
    await sleep(index * 150); // people do not all arrive at the same millisecond
    for (let round = 0; (rounds === 0 || round < rounds) && !signal?.aborted; round++) {
      for (const text of script(person, round, messagesPerUser)) {
        if (signal?.aborted) return;
        await this.say(person, text);
        await sleep(jitter(this.options.pauseMs));
      }
    }
  }

  private async say(person: Persona, line: string): Promise<void> {
    const question = line !== STICKER && !line.startsWith('/');
    const text = question && this.options.numbered ? `${line} #${++this.questions}` : line;
    const input: UserMessageInput = text === STICKER ? { from: person.user, attachment: 'sticker' } : { from: person.user, text };
    const injected = await this.client.send(input);
    this.progress.sent += 1;
    this.options.onSent?.({ ...injected, text: text === STICKER ? undefined : text, question, at: Date.now() });
    const replies = await this.client.replies(injected.chatId, injected.messageId, this.options.replyTimeoutMs);
    if (replies.length > 0) {
      this.progress.answered += 1;
    } else {
      this.progress.unanswered += 1;
      this.options.onEvent?.('no reply in time', { userId: person.user.id, messageId: injected.messageId });
    }
  }
}

const STICKER = '\u0000sticker';

function script(person: Persona, round: number, count: number): string[] {
  const lines = Array.from({ length: count }, (_, i) => person.lines[i % person.lines.length]);
  const extras = round === 0 ? ['/start'] : [];
  const middle = Math.floor(lines.length / 2);
  lines.splice(middle, 0, person.user.id % 2 === 0 ? STICKER : '/role');
  if (round > 0) lines.unshift('/reset');
  return [...extras, ...lines];
}

function jitter(ms: number): number {
  return Math.round(ms * (0.5 + Math.random()));
}
