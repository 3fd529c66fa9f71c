export interface TokenBucketOptions {
  /** Tokens a full bucket holds: the burst allowed after a quiet spell. */
  readonly capacity: number;
  /** Tokens added back per second, up to the capacity: the sustained rate. */
  readonly refillPerSecond: number;
  /**
   * Keys remembered at most; beyond that, buckets that are full again (the same as a new one)
   * are forgotten first, then the oldest. Bounds memory whatever the number of keys seen.
   * @default 10000
   */
  readonly maxKeys?: number;
}

/** The outcome of `take`: allowed, or refused with the wait until a token is back. */
export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  at: number;
}

/**
 * One token bucket per key (a client address, a user id, or a single key for a global
 * limit): each attempt takes a token; tokens come back at a steady rate. In memory, for one
 * process; a restart forgets every bucket (all full).
 */
export class TokenBuckets<K = string> {
  private readonly buckets = new Map<K, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new Error('a token bucket needs a capacity of at least 1 and a positive refill rate');
    }
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Takes `cost` tokens for `key` if it has them; otherwise takes nothing and says how long to wait. */
  take(key: K, now = Date.now(), cost = 1): TakeResult {
    const bucket = this.current(key, now);
    // A hair of tolerance: refills in small steps add up to 0.9999999… instead of 1.
    if (bucket.tokens + 1e-9 >= cost) {
      bucket.tokens = Math.max(0, bucket.tokens - cost);
      if (!this.buckets.has(key)) this.remember(key, bucket, now);
      return { ok: true };
    }
    const missing = Math.min(cost, this.options.capacity) - bucket.tokens;
    return { ok: false, retryAfterMs: Math.ceil((missing / this.options.refillPerSecond) * 1000) };
  }

  /** Puts back tokens taken for an attempt that turned out not to count (never above capacity). */
  giveBack(key: K, now = Date.now(), cost = 1): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    this.refill(bucket, now);
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + cost);
  }

  /** Tokens `key` has now. */
  available(key: K, now = Date.now()): number {
    return this.current(key, now).tokens;
  }

  /** Keys remembered (for tests and memory checks). */
  get size(): number {
    return this.buckets.size;
  }

  private current(key: K, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.options.capacity, at: now };
    this.refill(bucket, now);
    return bucket;
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
    bucket.at = now;
  }

  private remember(key: K, bucket: Bucket, now: number): void {
    if (this.buckets.size >= this.maxKeys) {
      for (const [k, b] of this.buckets) {
        this.refill(b, now);
        if (b.tokens >= this.options.capacity) this.buckets.delete(k);
      }
      // Still full of busy keys: forget the oldest tenth (their clients get fresh buckets; a global
      // limit still holds), so the next new keys do not sweep again at once.
      while (this.buckets.size >= Math.floor(this.maxKeys * 0.9)) this.buckets.delete(this.buckets.keys().next().value as K);
    }
    this.buckets.set(key, bucket);
  }
}
