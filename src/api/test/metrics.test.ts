import { API_ROUTES } from '@dialogstack/contract';
import { TestDatabase } from '../../../test/support/database';
import { readMetricsPort } from '../src/metrics';
import { ApiProcess, buildApi, parseJson, runApiToExit, startApi } from './support/api-process';
import { migratedTestDatabase } from './support/test-database';

const TOKEN = 'test-api-token-0123456789abcdefghij';

/** The value of one series in Prometheus text format, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The built api with METRICS_PORT=0: `/metrics` on a port of its own. */
describe('api metrics', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let metricsUrl: string;

  const scrape = async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    buildApi();
    db = await migratedTestDatabase('apimetrics');
    api = await startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' });
    const served = await waitForLog(api, 'metrics served');
    metricsUrl = `http://127.0.0.1:${served.port as number}/metrics`;
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await db?.drop();
  });

  it('times requests by route pattern and status, other paths in one series', async () => {
    const before = await scrape();
    await fetch(`${api.url}${API_ROUTES.stats}?period=7d`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await fetch(`${api.url}${API_ROUTES.stats}`);
    await fetch(`${api.url}/no/such/path/12345`);
    await fetch(`${api.url}/another/unknown?x=1`);
    const after = await scrape();
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta(`http_request_duration_seconds_count{method="GET",route="${API_ROUTES.stats}",status="200"}`)).toBe(1);
    expect(delta(`http_request_duration_seconds_count{method="GET",route="${API_ROUTES.stats}",status="401"}`)).toBe(1);
    expect(delta('http_request_duration_seconds_count{method="GET",route="other",status="404"}')).toBe(2);
    expect(after).not.toMatch(/no\/such\/path|period=7d/);
  });

  it('reports the database pool: its size, the connections in use or idle, and waiting queries', async () => {
    await fetch(`${api.url}${API_ROUTES.ready}`);
    const text = await scrape();
    expect(sample(text, 'api_db_pool_connections{state="max"}')).toBe(10);
    expect((sample(text, 'api_db_pool_connections{state="idle"}') ?? 0) + (sample(text, 'api_db_pool_connections{state="in_use"}') ?? 0))
      .toBeGreaterThanOrEqual(1);
    expect(sample(text, 'api_db_pool_waiting_requests')).toBe(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('serves metrics only on their own port: not on the api port', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });

  it('refuses to start with a malformed METRICS_PORT, naming it', async () => {
    const run = await runApiToExit({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0', METRICS_PORT: 'nine' });
    expect(run.code).toBe(1);
    expect(run.output.join('\n')).toMatch(/METRICS_PORT must be an integer from 0 to 65535/);
  });

  it('reads METRICS_PORT: unset serves none, 0 a free port', () => {
    expect(readMetricsPort({})).toBeUndefined();
    expect(readMetricsPort({ METRICS_PORT: '0' })).toBe(0);
    expect(readMetricsPort({ METRICS_PORT: '9464' })).toBe(9464);
    expect(() => readMetricsPort({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });
});

async function waitForLog(api: ApiProcess, msg: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entry = api.output.map(parseJson).find((e) => e?.msg === msg);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line:\n${api.output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
