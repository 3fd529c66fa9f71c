import { SingleFlight } from '../src/stats/single-flight';

/** A computation the test finishes by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('gives requests that arrive during a computation its result instead of a second computation', async () => {
    const flights = new SingleFlight<string>();
    const running = deferred<string>();
    let computations = 0;
    const compute = () => { computations++; return running.promise; };

    const all = [flights.run('k', compute), flights.run('k', compute), flights.run('k', compute)];
    running.resolve('snapshot');
    await expect(Promise.all(all)).resolves.toEqual(['snapshot', 'snapshot', 'snapshot']);
    expect(computations).toBe(1);
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
    const b = flights.run('k', () => Promise.resolve('not started'));
    failing.reject(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    await expect(b).rejects.toThrow('database down');
    await expect(flights.run('k', async () => 'back')).resolves.toBe('back');
  });
});
