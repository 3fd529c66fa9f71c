import { ChatLanes, SerialLanes } from '@dialogstack/bot';
import { createLogger } from '@dialogstack/runtime';
import { setTimeout as sleep } from 'node:timers/promises';

describe('SerialLanes', () => {
  it('runs the tasks of one key in order and different keys concurrently', async () => {
    const lanes = new SerialLanes();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`${name}:start`);
      await sleep(ms);
      events.push(`${name}:end`);
    };
    await Promise.all([lanes.run(1, task('a1', 30)), lanes.run(1, task('a2', 1)), lanes.run(2, task('b1', 5))]);
    expect(events.indexOf('a2:start')).toBeGreaterThan(events.indexOf('a1:end'));
    expect(events.indexOf('b1:end')).toBeLessThan(events.indexOf('a1:end'));
  });

  it('goes on after a failed task and reports the size', async () => {
    const lanes = new SerialLanes();
    const failed = lanes.run(1, async () => { throw new Error('boom'); });
    const next = lanes.run(1, async () => 'next');
    expect(lanes.size).toBe(2);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    await lanes.waitUntilAtMost(0);
    expect(lanes.size).toBe(0);
  });

  it('gives up waiting at the deadline', async () => {
    const lanes = new SerialLanes();
    void lanes.run(1, () => sleep(200));
    expect(await lanes.waitUntilAtMost(0, Date.now() + 20)).toBe(false);
    expect(await lanes.waitUntilAtMost(0, Date.now() + 1000)).toBe(true);
  });
});

describe('ChatLanes', () => {
  const log = createLogger('bot', { level: 'error', write: () => undefined });

  it('persists and answers in reservation order even when routes are decided out of order', async () => {
    const lanes = new ChatLanes(log);
    const events: string[] = [];
    const first = lanes.reserve(1);
    const second = lanes.reserve(1);
    const steps = (name: string) => ({
      persist: async () => { events.push(`persist ${name}`); return name; },
      respond: async (value: string) => { await sleep(10); events.push(`respond ${value}`); },
      persistFailed: async () => undefined,
    });
    const secondTaken = second.take(steps('second'));
    await sleep(5);
    await Promise.all([first.take(steps('first')), secondTaken]);
    await lanes.drain(Date.now() + 1000);
    expect(events).toEqual(['persist first', 'persist second', 'respond first', 'respond second']);
  });

  it('resolves take once persisted, without waiting for the reply', async () => {
    const lanes = new ChatLanes(log);
    let answered = false;
    await lanes.reserve(1).take({
      persist: async () => 'stored',
      respond: async () => { await sleep(50); answered = true; },
      persistFailed: async () => undefined,
    });
    expect(answered).toBe(false);
    expect(lanes.pendingReplies).toBe(1);
    expect(await lanes.drain(Date.now() + 1000)).toBe(true);
    expect(answered).toBe(true);
  });

  it('tells the user when persisting failed and skips the answer', async () => {
    const lanes = new ChatLanes(log);
    const events: string[] = [];
    await lanes.reserve(1).take({
      persist: async () => { throw new Error('database down'); },
      respond: async () => { events.push('respond'); },
      persistFailed: async (err) => { events.push(`failed: ${(err as Error).message}`); },
    });
    await lanes.drain(Date.now() + 1000);
    expect(events).toEqual(['failed: database down']);
  });

  it('frees a skipped turn at once', async () => {
    const lanes = new ChatLanes(log);
    lanes.reserve(1).skip();
    const events: string[] = [];
    await lanes.reserve(1).take({ persist: async () => 1, respond: async () => { events.push('answered'); }, persistFailed: async () => undefined });
    await lanes.drain(Date.now() + 1000);
    expect(events).toEqual(['answered']);
  });

  it('on close finishes the reply in flight, starts no queued one and counts it as owed', async () => {
    const lanes = new ChatLanes(log);
    const answered: string[] = [];
    const steps = (name: string) => ({
      persist: async () => name,
      respond: async (value: string) => { await sleep(40); answered.push(value); },
      persistFailed: async () => undefined,
    });
    await lanes.reserve(1).take(steps('first'));
    await lanes.reserve(1).take(steps('second'));
    await lanes.reserve(2).take(steps('other chat'));
    await sleep(5);
    expect(await lanes.close(Date.now() + 1000)).toEqual({ finished: true, leftOwed: 1 });
    expect(answered.sort()).toEqual(['first', 'other chat']);
    expect(lanes.pendingReplies).toBe(0);
  });

  it('holds the update loop back while too many replies are queued', async () => {
    const lanes = new ChatLanes(log, 2);
    const slow = { persist: async () => 1, respond: () => sleep(60), persistFailed: async () => undefined };
    await lanes.reserve(1).take(slow);
    await lanes.reserve(2).take(slow);
    const started = Date.now();
    await lanes.reserve(3).take(slow);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    await lanes.drain(Date.now() + 1000);
  });
});
