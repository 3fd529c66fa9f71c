/** @jest-environment node */
import { readdirSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { DASHBOARD_ROUTES, readMetricsPort, routeOf, startMetrics } from '../lib/metrics';

/** The value of one series in Prometheus text format, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('dashboard metrics', () => {
  let app: Server;
  let appUrl: string;
  let metricsUrl: string;

  beforeAll(async () => {
    // Created before the metrics start, like the Next.js server: its requests are timed all the same.
    app = createServer((req, res) => {
      if (req.url?.startsWith('/sign-in?')) res.writeHead(200).end('sign in');
      else if (req.url?.startsWith('/_next/static/')) res.writeHead(200).end('asset');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const metrics = await startMetrics({ METRICS_PORT: '0' });
    expect(await startMetrics({ METRICS_PORT: '0' })).toBe(metrics);
    metricsUrl = `http://127.0.0.1:${metrics.port}/metrics`;
  });

  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve));
    const metrics = await startMetrics();
    await new Promise((resolve) => metrics.server?.close(resolve));
  });

  it('times the server\'s requests by route and status; scrapes are not counted', async () => {
    await fetch(`${appUrl}/sign-in?next=%2F`);
    await fetch(`${appUrl}/_next/static/chunks/abc123.js`);
    await fetch(`${appUrl}/wp-login.php`);
    await fetch(metricsUrl);
    const text = await (await fetch(metricsUrl)).text();
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/sign-in",status="200"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/_next/static",status="200"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="other",status="404"}')).toBe(1);
    expect(text).not.toMatch(/route="\/metrics"/);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('serves nothing but GET /metrics on the metrics port', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  });

  it('labels every page and route handler of the app by its own path', () => {
    const appDir = join(__dirname, '..', 'app');
    const routes = files(appDir)
      .filter((f) => /(^|\/)(page\.tsx|route\.ts)$/.test(f))
      .map((f) => `/${f.replace(/(^|\/)(page\.tsx|route\.ts)$/, '').split('/').filter((s) => !/^\(.*\)$/.test(s)).join('/')}`.replace(/\/$/, '') || '/');
    expect([...routes].sort()).toEqual([...DASHBOARD_ROUTES].sort());
    for (const route of routes) expect(routeOf(route)).toBe(route);
    expect(routeOf('/users/12345')).toBe('other');
  });

  it('reads METRICS_PORT: unset serves none, a bad value is refused', () => {
    expect(readMetricsPort({})).toBeUndefined();
    expect(readMetricsPort({ METRICS_PORT: '9464' })).toBe(9464);
    expect(() => readMetricsPort({ METRICS_PORT: 'abc' })).toThrow('METRICS_PORT must be an integer from 0 to 65535');
  });
});

function files(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, root) : [relative(root, path).split(sep).join('/')];
  });
}
