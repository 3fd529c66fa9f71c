import { TokenBuckets } from '@dialogstack/runtime';
import { ChatLanes } from './chat-lanes';
import { BotLimits } from './config';
import { Person } from './dialog-store';
import { TEXTS } from './texts';

/** Why a message is not taken, and what the user is told. */
export interface Refusal {
  readonly reason: 'not-allowed' | 'too-long' | 'rate' | 'pending';
  readonly reply: string;
  /** False when the user was told the same a moment ago: a flood of refused messages gets one reply, not one each. */
  readonly tell: boolean;
}

/** After telling a user "slow down" (or "not allowed"), the same refusal stays silent this long. */
const QUIET_MS = { 'rate': 10_000, 'pending': 10_000, 'not-allowed': 60_000, 'too-long': 0 } as const;
const MAX_TOLD = 10_000;

/**
 * The door every incoming message passes before anything is stored: the allow-list, the
 * longest message read, the per-user rate (a token bucket), and how many messages of a chat
 * may wait for an answer. A refused message is not stored (the user is asked to send it
 * again), so a flood costs no database writes and no LLM calls.
 */
export class Admission {
  private readonly rate: TokenBuckets<number>;
  /** When each user was last told each refusal, oldest first (at most MAX_TOLD entries). */
  private readonly told = new Map<string, number>();

  constructor(private readonly limits: BotLimits, private readonly lanes: ChatLanes) {
    this.rate = new TokenBuckets({ capacity: limits.messagesPerMinute, refillPerSecond: limits.messagesPerMinute / 60 });
  }

  /** A refusal for this message, or undefined when it may be taken. `text` is absent for non-text messages. */
  check(person: Person, chatId: number, text: string | undefined, now = Date.now()): Refusal | undefined {
    const { allowedUserIds, maxInputChars, maxPendingPerChat } = this.limits;
    if (allowedUserIds && !allowedUserIds.has(person.id)) return this.refuse(person, 'not-allowed', TEXTS.notAllowed(person.id), now);
    if (text !== undefined) {
      const length = codePoints(text);
      if (length > maxInputChars) return this.refuse(person, 'too-long', TEXTS.tooLong(length, maxInputChars), now);
    }
    const pending = this.lanes.pendingIn(chatId);
    if (pending >= maxPendingPerChat) return this.refuse(person, 'pending', TEXTS.tooManyPending(pending), now);
    const taken = this.rate.take(person.id, now);
    if (!taken.ok) return this.refuse(person, 'rate', TEXTS.slowDown(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))), now);
    return undefined;
  }

  private refuse(person: Person, reason: Refusal['reason'], reply: string, now: number): Refusal {
    const key = `${person.id}:${reason}`;
    const last = this.told.get(key);
    const tell = last === undefined || now - last >= QUIET_MS[reason];
    if (tell) {
      this.told.delete(key); // re-inserted last: the map stays oldest first
      this.told.set(key, now);
      if (this.told.size > MAX_TOLD) this.told.delete(this.told.keys().next().value!);
    }
    return { reason, reply, tell };
  }
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
