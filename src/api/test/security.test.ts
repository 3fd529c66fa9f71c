import { API_ROUTES, errorResponseSchema } from '@dialogstack/contract';
import { TestDatabase } from '../../../test/support/database';
import { ApiProcess, buildApi, startApi } from './support/api-process';
import { migratedTestDatabase } from './support/test-database';

/**
 * The built api as a hostile client meets it: security headers on every response, a
 * per-client request rate, and a low rate of refused bearer tokens; over a limit, 429 with
 * Retry-After and the client's address in the log. Probes are never limited.
 */
const TOKEN = 'test-api-token-0123456789abcdefghij';
const strictError = errorResponseSchema.strict();

describe('api security', () => {
  let db: TestDatabase;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    buildApi();
    db = await migratedTestDatabase('apisecurity');
  }, 180_000);

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  const start = async (env: Record<string, string> = {}) => {
    api = await startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0', LOG_LEVEL: 'info', ...env });
    return api;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api!.url}${path}`, { headers });
  const stats = (token = TOKEN, headers: Record<string, string> = {}) => get(`${API_ROUTES.stats}?period=7d`, { authorization: `Bearer ${token}`, ...headers });
  const logged = () => api!.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('sends security headers with every response: nothing in JSON may run or be framed; the docs run only their own scripts', async () => {
    await start();
    for (const res of [await stats(), await stats('wrong-token'), await get(API_ROUTES.health), await get('/nowhere')]) {
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    const docs = await get(`${API_ROUTES.docs}/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'; .*frame-ancestors 'none'/);
  });

  it('answers 429 with Retry-After once a client goes over its request rate; probes still answer', async () => {
    await start({ API_RATE_LIMIT_PER_MINUTE: '20' });
    const responses: Response[] = [];
    const started = Date.now();
    for (let i = 0; i < 25; i++) responses.push(await stats());
    const statuses = responses.map((r) => r.status);
    // A burst of 20, then one every 3 s: a slow machine may have earned one or two meanwhile.
    const earned = Math.floor((Date.now() - started) / 3000);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20 + earned);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const refused = responses[responses.length - 1];
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(strictError.parse(await refused.json())).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect((await get(API_ROUTES.health)).status).toBe(200);
    expect((await get(API_ROUTES.ready)).status).toBe(200);
    // Made-up X-Forwarded-For headers make no new clients (no proxy is trusted).
    const spoofed = await Promise.all([1, 2, 3, 4].map((i) => stats(TOKEN, { 'x-forwarded-for': `198.51.100.${i}` })));
    expect(spoofed.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    expect(logged()).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'warn', msg: 'request refused: rate limit', clientIp: '127.0.0.1', limit: 'requests' }),
    ]));
  });

  it('stops hearing a client that keeps sending wrong tokens, even with the right one, for a while', async () => {
    await start();
    const wrong: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 12; i++) wrong.push((await stats(`guess-${i}-${'x'.repeat(30)}`)).status);
    // Ten refusals a minute: one more every 6 s (a slow machine may have earned one meanwhile).
    const earned = Math.floor((Date.now() - started) / 6000);
    expect(wrong.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(wrong.filter((s) => s === 401).length).toBeLessThanOrEqual(10 + earned);
    expect(wrong[11]).toBe(429);
    const right = await Promise.all([1, 2, 3].map(() => stats()));
    expect(right.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2);
    expect(Number(right.find((r) => r.status === 429)!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(logged()).toEqual(expect.arrayContaining([
      expect.objectContaining({ msg: 'request refused: rate limit', clientIp: '127.0.0.1', limit: 'authentication failures' }),
    ]));
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    await start({ API_RATE_LIMIT_PER_MINUTE: '5', TRUSTED_PROXIES: '127.0.0.1' });
    const from = (client: string) => stats(TOKEN, { 'x-forwarded-for': client });
    for (let i = 0; i < 5; i++) expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    expect((await from('198.51.100.2')).status).toBe(200);
    expect(logged()).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request refused: rate limit', clientIp: '198.51.100.1' })]));
  });
});
