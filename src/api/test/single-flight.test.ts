import { SingleFlight } from '../src/stats/single-flight';

/** A computation the test finishes by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('gives requests that arrive during a computation the next one, shared, never the running one', async () => {
    const flights = new SingleFlight<string>();
    const runs: ReturnType<typeof deferred<string>>[] = [];
    const compute = () => { const d = deferred<string>(); runs.push(d); return d.promise; };

    const first = flights.run('k', compute);
    const second = flights.run('k', compute);
    const third = flights.run('k', compute);
    expect(runs).toHaveLength(1);

    runs[0].resolve('snapshot 1');
    await expect(first).resolves.toBe('snapshot 1');
    await new Promise(setImmediate);
    expect(runs).toHaveLength(2);
    runs[1].resolve('snapshot 2');
    await expect(second).resolves.toBe('snapshot 2');
    await expect(third).resolves.toBe('snapshot 2');
  });

  it('keeps nothing once settled, and runs different keys independently', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const compute = async () => ++calls;
    expect(await flights.run('a', compute)).toBe(1);
    expect(await flights.run('a', compute)).toBe(2);
    expect(await Promise.all([flights.run('a', compute), flights.run('b', compute)])).toEqual([3, 4]);
  });

  it('hands a failure to everyone sharing the computation, and the next request tries again', async () => {
    const flights = new SingleFlight<string>();
    const failing = deferred<string>();
    const a = flights.run('k', () => failing.promise);
    const next = deferred<string>();
    const b = flights.run('k', () => next.promise);
    const c = flights.run('k', () => Promise.reject(new Error('not this one')));
    failing.reject(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    next.reject(new Error('still down'));
    await expect(b).rejects.toThrow('still down');
    await expect(c).rejects.toThrow('still down');
    await expect(flights.run('k', async () => 'back')).resolves.toBe('back');
  });
});
