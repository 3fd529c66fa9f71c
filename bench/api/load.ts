import { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
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
  /**
   * Fixed overall request rate (open loop), requests evenly spaced; unset = as fast as the
   * server answers (closed loop).
   */
  readonly rate?: number;
  /** Give up on a request after this long. @default 10 */
  readonly timeoutSeconds?: number;
}

/**
 * Closed loop (no `rate`): autocannon, as fast as answers come, with exact latency percentiles
 * computed from every response (its summary has no p95). Open loop (`rate`): `openLoop`.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.rate) return openLoop(options as LoadOptions & { rate: number });
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

/**
 * Open loop: request i is due at start + i / rate, whatever the earlier ones are doing (evenly
 * spaced, not a burst at the start of every second as autocannon's `overallRate` sends them),
 * over at most `connections` keep-alive connections; a request waiting for a free connection
 * waits in the queue. Latency is measured from the instant the request was due, so time spent
 * waiting behind slow answers counts (no coordinated omission). The rate is what the server
 * answered in the time the whole load took (sending, then the last answers).
 */
async function openLoop(options: LoadOptions & { rate: number }): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const paths = options.paths ?? [url.pathname + url.search];
  const total = Math.round(options.rate * options.seconds);
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  const latencies: number[] = [];
  let ok = 0;
  let failures = 0;
  let finished = 0;
  const start = performance.now();
  let lastAnswer = start;
  await new Promise<void>((resolve) => {
    const done = (due: number, success: boolean) => {
      const now = performance.now();
      latencies.push(now - due);
      lastAnswer = Math.max(lastAnswer, now);
      if (success) ok++;
      else failures++;
      if (++finished === total) resolve();
    };
    const send = (due: number) => {
      let settled = false;
      const settle = (success: boolean) => {
        if (settled) return;
        settled = true;
        done(due, success);
      };
      const req = request({ host: url.hostname, port: url.port, path: pick(paths), headers: options.headers, agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => settle(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300));
        res.on('error', () => settle(false));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => settle(false));
      req.end();
    };
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      for (; sent < total && start + (sent * 1000) / options.rate <= now; sent++) send(start + (sent * 1000) / options.rate);
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / options.rate - performance.now()));
    };
    tick();
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  return {
    requestsPerSecond: ok / (Math.max(options.seconds * 1000, lastAnswer - start) / 1000),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: latencies[latencies.length - 1],
    responses: latencies.length,
    failures,
  };
}
