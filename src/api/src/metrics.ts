import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { Database, PoolUsage } from './database/database';

/**
 * The port of the Prometheus endpoint (`GET /metrics`) from METRICS_PORT: a port of its own,
 * never published and never behind the edge (the monitoring profile scrapes it on the stack's
 * network). Unset: metrics are counted but not served. 0 picks a free port (tests).
 */
export function readMetricsPort(env: Record<string, string | undefined>): number | undefined {
  const text = env.METRICS_PORT?.trim();
  if (!text) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error('METRICS_PORT must be an integer from 0 to 65535');
  return Number(text);
}

/** Label of a request no controller route matched (404s, probes of random paths, the API docs): one series for all. */
export const OTHER_ROUTE = 'other';

/** The api's metrics, in a registry of its own (tests start several apps in one process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of the response, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(pool: () => PoolUsage | undefined) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'api_db_pool_connections',
      help: 'Connections of the database pool, by state: in_use, idle, or max (the pool size)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const usage = pool();
        this.set({ state: 'in_use' }, usage ? usage.total - usage.idle : 0);
        this.set({ state: 'idle' }, usage?.idle ?? 0);
        this.set({ state: 'max' }, usage?.max ?? 0);
      },
    });
    new Gauge({
      name: 'api_db_pool_waiting_requests',
      help: 'Queries waiting for a free connection of the pool (above zero for long: the pool is too small or the database too slow)',
      registers: [this.registry],
      collect() { this.set(pool()?.waiting ?? 0); },
    });
  }

  /**
   * Express middleware timing every request. The route is the matched pattern (never the
   * raw URL: ids and query strings would make a series per request).
   */
  middleware() {
    return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const end = this.requestDuration.startTimer();
      res.once('finish', () => end({ method: req.method ?? 'UNKNOWN', route: routeOf(req), status: String(res.statusCode) }));
      next();
    };
  }
}

function routeOf(req: IncomingMessage): string {
  const matched = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  const path = matched.route?.path;
  return typeof path === 'string' ? `${matched.baseUrl ?? ''}${path}` : OTHER_ROUTE;
}

/** Times every request of `app` and reads its database pool. Call before `listen` (the middleware goes first). */
export function instrumentApi(app: INestApplication): ApiMetrics {
  const database = app.get(Database);
  const metrics = new ApiMetrics(() => database.poolUsage());
  app.use(metrics.middleware());
  return metrics;
}

/** `GET /metrics` on its own port (0: a free one); anything else is 404. */
export async function serveMetrics(registry: Registry, port: number): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => { server.off('error', reject); resolve(); });
  });
  return { port: (server.address() as AddressInfo).port, server };
}
