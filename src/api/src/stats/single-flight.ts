/**
 * Shares one computation among concurrent identical requests, without ever handing a request
 * a result that is older than the request itself.
 *
 * The first request for a key starts the computation. Requests that arrive while it runs do
 * not join it (it began before they did): they share the next one, which starts as soon as
 * the running one settles. Nothing is kept once a computation has settled, so this is not a
 * cache: every response reflects everything committed before its request arrived.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly waiting = new Map<string, Promise<T>>();

  run(key: string, compute: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (!running) return this.start(key, compute);
    let next = this.waiting.get(key);
    if (!next) {
      next = running.then(noop, noop).then(() => {
        this.waiting.delete(key);
        return this.start(key, compute);
      });
      this.waiting.set(key, next);
    }
    return next;
  }

  private start(key: string, compute: () => Promise<T>): Promise<T> {
    const flight: Promise<T> = compute().finally(() => {
      if (this.running.get(key) === flight) this.running.delete(key);
    });
    this.running.set(key, flight);
    return flight;
  }
}

const noop = () => undefined;
