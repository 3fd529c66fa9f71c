import { API_ROUTES, ErrorResponse } from '@dialogstack/contract';
import { clientAddress, Logger, TokenBuckets, TrustedProxies } from '@dialogstack/runtime';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RateLimits {
  /** Requests per minute per client (a burst of as many, then a steady rate); 0: unlimited. */
  readonly requestsPerMinute: number;
  /** Refused bearer tokens per minute per client before every request of it is refused for a while. */
  readonly authFailuresPerMinute: number;
  /** Reverse proxies whose X-Forwarded-For names the client. */
  readonly trustedProxies: readonly string[];
}

/** Probes are never limited: a container health check or load balancer must always get through. */
const UNLIMITED = new Set<string>([API_ROUTES.health, API_ROUTES.ready]);

/**
 * Per-client rate limits, before routing: a steady request rate, and a much lower rate of
 * refused bearer tokens (guessing API_TOKEN). Over either, the answer is 429 with
 * Retry-After and the client's address is logged. In memory: one api process, one count.
 */
export function rateLimit(limits: RateLimits, logger: Logger) {
  const log = logger.child({ context: 'RateLimit' });
  const trusted = new TrustedProxies(limits.trustedProxies);
  const requests = limits.requestsPerMinute > 0
    ? new TokenBuckets({ capacity: limits.requestsPerMinute, refillPerSecond: limits.requestsPerMinute / 60 })
    : undefined;
  const authFailures = new TokenBuckets({ capacity: limits.authFailuresPerMinute, refillPerSecond: limits.authFailuresPerMinute / 60 });

  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '').split('?')[0];
    if (UNLIMITED.has(path)) return next();
    const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
    // A client that has used up its refused tokens is not heard until it earns one back.
    if (authFailures.available(client) < 1) return refuse(res, client, 'authentication failures', authFailures.take(client));
    const taken = requests?.take(client);
    if (taken && !taken.ok) return refuse(res, client, 'requests', taken);
    res.on('finish', () => {
      if (res.statusCode === 401) authFailures.take(client);
    });
    next();
  };

  function refuse(res: ServerResponse, client: string, limit: string, result: ReturnType<TokenBuckets['take']>): void {
    const retryAfterSeconds = Math.max(1, Math.ceil((result.ok ? 0 : result.retryAfterMs) / 1000));
    log.warn('request refused: rate limit', { clientIp: client, limit, retryAfterSeconds });
    const body: ErrorResponse = { statusCode: 429, error: 'Too Many Requests', message: `Too many ${limit}; try again in ${retryAfterSeconds} s.` };
    res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) });
    res.end(JSON.stringify(body));
  }
}
