import { EventEmitter } from 'node:events';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly responses: number;
  /** Non-2xx responses, connection errors and timeouts (latencies include non-2xx responses). */
  readonly failures: number;
}

export interface LoadOptions {
  /** The server and, unless `paths` is set, the one request sent again and again. */
  readonly url: string;
  /**
   * Paths (with query) drawn uniformly at random for every request: a mix, as dashboards send
   * it, rather than one request repeated. @default the url's own path
   */
  readonly paths?: readonly string[];
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly seconds: number;
  /** Fixed overall request rate (open loop); unset = as fast as the server answers (closed loop). */
  readonly rate?: number;
  /** Give up on a request after this long. @default 10 */
  readonly timeoutSeconds?: number;
}

/** autocannon with exact latency percentiles computed from every response (its summary has no p95). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let ok = 0;
  // Without a callback autocannon returns an EventEmitter that is also a promise of the result.
  const instance = autocannon({
    url: options.url,
    headers: options.headers,
    connections: options.connections,
    duration: options.seconds,
    timeout: options.timeoutSeconds ?? 10,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.paths ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: pick(options.paths!) }) }] } : {}),
  }) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    if (status >= 200 && status < 300) ok++;
    else failures++;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : NaN;
  return {
    requestsPerSecond: ok / result.duration,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    responses: latencies.length,
    failures: failures + result.errors + result.timeouts,
  };
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}
