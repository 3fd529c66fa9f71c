import { settledWithin } from '@/lib/settled-within';

describe('settledWithin', () => {
  afterEach(() => jest.useRealTimers());

  it('gives the value of a promise that settles in time, and clears its timer', async () => {
    jest.useFakeTimers();
    const result = settledWithin(Promise.resolve('stats'), 500);
    await expect(result).resolves.toBe('stats');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('gives undefined once the time is up, and the promise keeps its value for a later await', async () => {
    jest.useFakeTimers();
    let resolve!: (value: string) => void;
    const slow = new Promise<string>((r) => { resolve = r; });
    const result = settledWithin(slow, 500);
    await jest.advanceTimersByTimeAsync(499);
    let settled = false;
    void result.then(() => { settled = true; });
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBeUndefined();
    resolve('late stats');
    await expect(slow).resolves.toBe('late stats');
  });
});
