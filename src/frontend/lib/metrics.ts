import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The dashboard's Prometheus metrics: request durations of the Next.js server, on a port of
 * its own (METRICS_PORT), never published and never behind the edge.
 */

/**
 * The port of `GET /metrics` from METRICS_PORT. Unset: metrics are counted but not served.
 * 0 picks a free port (tests).
 */
export function readMetricsPort(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.METRICS_PORT?.trim();
  if (!text) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error('METRICS_PORT must be an integer from 0 to 65535');
  return Number(text);
}

/** The app's pages and route handlers, each its own series. */
export const DASHBOARD_ROUTES = ['/', '/sign-in', '/api/health'] as const;
const STATIC_FILES = ['/favicon.ico', '/icon.svg', '/robots.txt'];

/**
 * The route label of a request URL: a page, a route handler, a static file, a family of
 * Next.js assets, or `other` (never the raw path: one series per URL would grow without end).
 */
export function routeOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  if ((DASHBOARD_ROUTES as readonly string[]).includes(path) || STATIC_FILES.includes(path)) return path;
  if (path.startsWith('/_next/static/')) return '/_next/static';
  if (path.startsWith('/_next/image')) return '/_next/image';
  return 'other';
}

export interface DashboardMetrics {
  readonly registry: Registry;
  /** Where `/metrics` is served, when it is. */
  readonly port?: number;
  readonly server?: Server;
}

/** Module state lives on globalThis: Next.js may load this module more than once in one process. */
const STATE = Symbol.for('dialogstack.frontend.metrics');
type Global = typeof globalThis & { [STATE]?: Promise<DashboardMetrics> };

/**
 * Times every request any HTTP server of this process handles (the Next.js standalone server
 * creates its own, so requests are observed where Node emits them) and serves the registry
 * on METRICS_PORT. Idempotent.
 */
export function startMetrics(env: Readonly<Record<string, string | undefined>> = process.env): Promise<DashboardMetrics> {
  const global = globalThis as Global;
  global[STATE] ??= start(env);
  return global[STATE];
}

async function start(env: Readonly<Record<string, string | undefined>>): Promise<DashboardMetrics> {
  const port = readMetricsPort(env);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of the response, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const server = port === undefined ? undefined : metricsServer(registry);
  observeRequests((req, res) => {
    const end = duration.startTimer();
    res.once('finish', () => end({ method: req.method ?? 'UNKNOWN', route: routeOf(req.url), status: String(res.statusCode) }));
  }, server);
  if (!server) return { registry };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => { server.off('error', reject); resolve(); });
  });
  return { registry, server, port: (server.address() as AddressInfo).port };
}

function metricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
}

/** Calls `observe` for each request of every http.Server but `except`, before its handlers run. */
function observeRequests(observe: (req: IncomingMessage, res: ServerResponse) => void, except: Server | undefined): void {
  const proto = Server.prototype as Server & { emit(event: string | symbol, ...args: unknown[]): boolean };
  const emit = proto.emit;
  proto.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && this !== except) observe(args[0] as IncomingMessage, args[1] as ServerResponse);
    return emit.call(this, event, ...args);
  };
}
