import { TokenBuckets } from '../src/token-buckets';

describe('TokenBuckets', () => {
  it('allows a burst of `capacity`, then refuses with the wait until the next token', () => {
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 0.5 });
    for (let i = 0; i < 3; i++) expect(buckets.take('a', 1000)).toEqual({ ok: true });
    expect(buckets.take('a', 1000)).toEqual({ ok: false, retryAfterMs: 2000 });
    expect(buckets.take('a', 2000)).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(buckets.take('a', 3000)).toEqual({ ok: true });
    // Another key has its own bucket.
    expect(buckets.take('b', 3000)).toEqual({ ok: true });
  });

  it('refills at the steady rate, never above capacity', () => {
    const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1 });
    buckets.take('a', 0);
    buckets.take('a', 0);
    expect(buckets.available('a', 60_000)).toBe(2);
  });

  it('gives back a token that did not count', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 0.001 });
    expect(buckets.take('a', 0).ok).toBe(true);
    buckets.giveBack('a', 0);
    expect(buckets.take('a', 0).ok).toBe(true);
    expect(buckets.take('a', 0).ok).toBe(false);
  });

  it('takes nothing from a refused attempt (a client that keeps trying is not locked out for longer)', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 1 });
    buckets.take('a', 0);
    for (let t = 100; t < 1000; t += 100) expect(buckets.take('a', t).ok).toBe(false);
    expect(buckets.take('a', 1000).ok).toBe(true);
  });

  it('remembers at most maxKeys keys: full buckets are forgotten first, then the oldest', () => {
    const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) buckets.take(`client-${i}`, 0);
    expect(buckets.size).toBeLessThanOrEqual(100);
    // The newest key is remembered: its second attempt in the same instant still counts.
    buckets.take('client-9999', 0);
    expect(buckets.take('client-9999', 0).ok).toBe(false);
  });
});
