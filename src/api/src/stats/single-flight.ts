/**
 * Shares one computation among concurrent identical requests ("single flight").
 *
 * A request that arrives while an identical one is being computed receives that result
 * instead of starting another. Nothing is kept once a computation settles, so this is not a
 * cache: a shared result describes the database at most one statement's duration (tens of
 * milliseconds; at worst the statement timeout) before the request arrived, and says which
 * instant exactly (`generatedAt`). Under load it turns N identical concurrent queries into one.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, compute: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running) return running;
    const flight = compute().finally(() => this.running.delete(key));
    this.running.set(key, flight);
    return flight;
  }
}
