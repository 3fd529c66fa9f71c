import { API_ROUTES, errorResponseSchema, healthResponseSchema, readyResponseSchema, statsResponseSchema } from '@dialogstack/contract';
import { TestDatabase } from '../../../test/support/database';
import { ApiProcess, buildApi, startApi } from './support/api-process';
import { TcpProxy } from './support/tcp-proxy';
import { migratedTestDatabase } from './support/test-database';

/**
 * The database goes away and comes back while the api keeps running: the api reaches
 * PostgreSQL through a TCP relay the test cuts (nothing listening, live connections
 * dropped) and restores.
 */
const TOKEN = 'outage-api-token-0123456789abcdefgh';

describe('api while the database is down', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let api: ApiProcess;

  const stats = () => fetch(`${api.url}${API_ROUTES.stats}?period=24h`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const ready = () => fetch(`${api.url}${API_ROUTES.ready}`);

  /** Polls until `probe` answers `status` (the pool reconnects on demand, not on a timer). */
  const eventually = async (probe: () => Promise<Response>, status: number) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await probe();
      if (res.status === status || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    buildApi();
    db = await migratedTestDatabase('outage');
    const target = new URL(db.readerUrl);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.up();
    await proxy.down();
    const viaProxy = new URL(db.readerUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    api = await startApi({ DATABASE_URL: viaProxy.toString(), API_TOKEN: TOKEN, PORT: '0' });
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await proxy?.down();
    await db?.drop();
  });

  it('starts and stays live with the database unreachable, but is not ready', async () => {
    const health = await fetch(`${api.url}${API_ROUTES.health}`);
    expect(health.status).toBe(200);
    healthResponseSchema.parse(await health.json());
    const res = await ready();
    expect(res.status).toBe(503);
    expect(readyResponseSchema.parse(await res.json())).toEqual({ status: 'unavailable', checks: { database: 'down' } });
  });

  it('answers statistics with 503 and a clear error, not a stack or a connection string', async () => {
    const res = await stats();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = errorResponseSchema.strict().parse(await res.json());
    expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'The statistics database is unavailable; try again shortly.' });
  });

  it('serves again, without a restart, once the database is reachable', async () => {
    await proxy.up();
    expect((await eventually(ready, 200)).status).toBe(200);
    const res = await stats();
    expect(res.status).toBe(200);
    statsResponseSchema.parse(await res.json());
  }, 30_000);

  it('survives losing its open connections, and recovers again', async () => {
    await proxy.down();
    const during = await stats();
    expect(during.status).toBe(503);
    errorResponseSchema.parse(await during.json());
    expect((await ready()).status).toBe(503);

    await proxy.up();
    const after = await eventually(stats, 200);
    expect(after.status).toBe(200);
    statsResponseSchema.parse(await after.json());
    expect((await ready()).status).toBe(200);
  }, 30_000);

  it('logged the outage as warnings without the connection string', () => {
    const warnings = api.output.filter((line) => line.includes('"database unavailable"'));
    expect(warnings.length).toBeGreaterThan(0);
    for (const line of api.output) expect(line).not.toContain('test-reader-password');
  });
});
