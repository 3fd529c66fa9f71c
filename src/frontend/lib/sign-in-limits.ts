import 'server-only';
import { TokenBucketOptions, TokenBuckets } from '@dialogstack/runtime';

export interface SignInLimits {
  readonly perClient: TokenBucketOptions;
  readonly global: TokenBucketOptions;
}

/**
 * Sign-in attempts allowed: per client address, and for everyone together (many addresses
 * guessing at once). A token is taken before the password is checked, so parallel guesses
 * count as much as sequential ones (the 750 ms delay of a wrong password only slows each
 * one); the right password gives its token back, so only guesses use up the limits.
 */
export const SIGN_IN_LIMITS: SignInLimits = {
  /** 10 attempts at once, then one every 30 s (120 an hour). */
  perClient: { capacity: 10, refillPerSecond: 1 / 30 },
  /** 100 at once, then one a second, whoever asks. */
  global: { capacity: 100, refillPerSecond: 1 },
};

export type SignInAttempt = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number; readonly limit: 'client' | 'global' };

export class SignInLimiter {
  private readonly perClient: TokenBuckets;
  private readonly global: TokenBuckets;

  constructor(limits: SignInLimits = SIGN_IN_LIMITS) {
    this.perClient = new TokenBuckets(limits.perClient);
    this.global = new TokenBuckets(limits.global);
  }

  /** Takes an attempt for `client`, or says which limit refused it and for how long. */
  attempt(client: string, now = Date.now()): SignInAttempt {
    const own = this.perClient.take(client, now);
    if (!own.ok) return { ok: false, retryAfterSeconds: Math.ceil(own.retryAfterMs / 1000), limit: 'client' };
    const all = this.global.take('all', now);
    if (!all.ok) {
      this.perClient.giveBack(client, now); // refused before it was tried: not the client's attempt
      return { ok: false, retryAfterSeconds: Math.ceil(all.retryAfterMs / 1000), limit: 'global' };
    }
    return { ok: true };
  }

  /** The attempt was the right password: it was no guess, so it does not count. */
  succeeded(client: string, now = Date.now()): void {
    this.perClient.giveBack(client, now);
    this.global.giveBack('all', now);
  }
}

const PROCESS_LIMITER = Symbol.for('dialogstack.frontend.sign-in-limiter');

/** The process's limiter: the proxy takes attempts, the sign-in action gives back the right ones (separate bundles). */
export function signInLimiter(): SignInLimiter {
  const g = globalThis as typeof globalThis & { [PROCESS_LIMITER]?: SignInLimiter };
  return (g[PROCESS_LIMITER] ??= new SignInLimiter());
}

/** What a throttled client reads (the sign-in form shows it as the error). */
export function tooManyAttempts(retryAfterSeconds: number): string {
  return `Too many sign-in attempts. Try again in ${retryAfterSeconds} s.`;
}

/**
 * Request header by which the proxy tells the sign-in action that it refused the attempt
 * (its value: the seconds to wait). The form's posts (server action requests, with or
 * without JavaScript) go on to the action, which answers with the refusal in its state
 * instead of checking the password; other posts get a plain 429. The proxy removes the
 * header from every request it did not refuse.
 */
export const SIGN_IN_REFUSED_HEADER = 'x-dialogstack-sign-in-refused';
