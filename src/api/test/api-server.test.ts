import { API_ROUTES, errorResponseSchema, healthResponseSchema, PERIODS, readyResponseSchema, statsResponseSchema } from '@dialogstack/contract';
import { createDataSource } from '@dialogstack/db';
import { connect } from 'node:net';
import { TestDatabase, TEST_READER } from '../../../test/support/database';
import { seedDatabase } from '../src/seed/seed';
import { ApiProcess, buildApi, parseJson, runApiToExit, startApi } from './support/api-process';
import { migratedTestDatabase } from './support/test-database';

/**
 * The built api (`node src/api/dist/main.js`, as the image runs it) over HTTP on an
 * ephemeral port, reading a seeded database through the read-only role. Every body is
 * parsed with the contract's schemas; error bodies strictly (no stack, no extra fields).
 */
const TOKEN = 'test-api-token-0123456789abcdefghij';
const DASHBOARD = 'https://dash.example.com';
const strictError = errorResponseSchema.strict();

describe('api server', () => {
  let db: TestDatabase;
  let api: ApiProcess;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });
  const authed = (path: string, headers: Record<string, string> = {}) => get(path, { authorization: `Bearer ${TOKEN}`, ...headers });

  beforeAll(async () => {
    buildApi();
    db = await migratedTestDatabase('apiserver');
    const ds = createDataSource({ url: db.writerUrl, applicationName: 'api-test-seed', poolSize: 1 });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    await seedDatabase(runner, { users: 40, messages: 3000, days: 100, randomSeed: 7, replace: false });
    await runner.release();
    await ds.destroy();
    api = await startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, CORS_ORIGINS: DASHBOARD, PORT: '0', LOG_LEVEL: 'info' });
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await db?.drop();
  });

  describe('probes', () => {
    it('health: live without touching the database', async () => {
      const res = await get(API_ROUTES.health);
      expect(res.status).toBe(200);
      expect(healthResponseSchema.parse(await res.json())).toMatchObject({ status: 'ok', service: 'api' });
    });

    it('ready: the database answers', async () => {
      const res = await get(API_ROUTES.ready);
      expect(res.status).toBe(200);
      expect(readyResponseSchema.parse(await res.json())).toEqual({ status: 'ready', checks: { database: 'up' } });
    });
  });

  describe('authentication', () => {
    it.each([
      ['no header', {}],
      ['a wrong token', { authorization: `Bearer ${TOKEN}x` }],
      ['a token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ['another scheme', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }],
    ])('401 with %s', async (_, headers) => {
      const res = await get(`${API_ROUTES.stats}?period=7d`, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(strictError.parse(await res.json())).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });

    it('checks the token before the query', async () => {
      expect((await get(`${API_ROUTES.stats}?period=1y`)).status).toBe(401);
    });
  });

  describe('statistics', () => {
    it.each(PERIODS)('200 for period=%s, matching the contract', async (period) => {
      const res = await authed(`${API_ROUTES.stats}?period=${period}&limit=5`);
      expect(res.status).toBe(200);
      const body = statsResponseSchema.parse(await res.json());
      expect(body.period).toBe(period);
      expect(body.topUsers.length).toBeLessThanOrEqual(5);
      expect(body.kpis.messages.value).toBe(body.series.reduce((sum, p) => sum + p.messages, 0));
    });

    it('defaults to 7d, and is not cacheable', async () => {
      const res = await authed(API_ROUTES.stats);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = statsResponseSchema.parse(await res.json());
      expect(body.period).toBe('7d');
      expect(body.series).toHaveLength(7);
    });
  });

  describe('bad input: 400 with the contract error, naming the parameter', () => {
    it.each([
      ['an unknown period', 'period=1y', 'period'],
      ['a repeated period', 'period=7d&period=30d', 'period'],
      ['an unknown parameter', 'period=7d&debug=1', 'debug'],
      ['a bracketed parameter', 'period[]=7d', 'period[]'],
      ['a limit above 50', 'limit=51', 'limit'],
      ['a huge limit', 'limit=99999999999999999999999999', 'limit'],
      ['a zero limit', 'limit=0', 'limit'],
      ['a non-numeric limit', 'limit=ten', 'limit'],
      ['a fractional limit', 'limit=2.5', 'limit'],
      ['a repeated limit', 'limit=5&limit=6', 'limit'],
      // Names of Object.prototype members are parameters like any other.
      ['__proto__', 'period=7d&__proto__=x', '__proto__'],
      ['constructor', 'constructor=1', 'constructor'],
      ['prototype', 'prototype=1', 'prototype'],
    ])('%s', async (_, query, path) => {
      const res = await authed(`${API_ROUTES.stats}?${query}`);
      expect(res.status).toBe(400);
      const body = strictError.parse(await res.json());
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(body.details?.map((d) => d.path)).toContain(path);
    });

    it('431 for a query string over the 16 KiB header limit, in the same shape', async () => {
      const res = await authed(`${API_ROUTES.stats}?period=7d&x=${'a'.repeat(17 * 1024)}`);
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(strictError.parse(await res.json())).toMatchObject({ statusCode: 431, error: 'Request Header Fields Too Large' });
    });

    it('400 for a request HTTP cannot parse, in the same shape', async () => {
      const raw = await rawRequest(api.url, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(strictError.parse(JSON.parse(body))).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('404 for an unknown route, in the same shape', async () => {
      const res = await authed('/api/v1/nope');
      expect(res.status).toBe(404);
      expect(strictError.parse(await res.json()).statusCode).toBe(404);
    });
  });

  describe('CORS', () => {
    it('answers an allowed origin with its own Allow-Origin', async () => {
      const res = await authed(`${API_ROUTES.stats}?period=24h`, { origin: DASHBOARD });
      expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
      expect(res.headers.get('vary')).toMatch(/Origin/);
    });

    it('allows the preflight of an allowed origin, Authorization header included', async () => {
      const res = await fetch(`${api.url}${API_ROUTES.stats}`, {
        method: 'OPTIONS',
        headers: { origin: DASHBOARD, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    });

    it('gives any other origin no Allow-Origin (never *)', async () => {
      const res = await authed(`${API_ROUTES.stats}?period=24h`, { origin: 'https://evil.example.com' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('sends no CORS headers at all when CORS_ORIGINS is empty', async () => {
      const plain = await startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0' });
      try {
        const res = await fetch(`${plain.url}${API_ROUTES.health}`, { headers: { origin: DASHBOARD } });
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await plain.stop();
      }
    }, 30_000);
  });

  describe('OpenAPI', () => {
    it('serves Swagger UI with every asset from the api itself (no CDN)', async () => {
      const res = await get(API_ROUTES.docs);
      expect(res.status).toBe(200);
      const html = await res.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(2);
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//);
        const url = new URL(asset, `${api.url}${API_ROUTES.docs}`);
        expect([url.href, (await fetch(url)).status]).toEqual([url.href, 200]);
      }
      // The UI would otherwise fetch a badge from the online validator.
      const init = await (await get(`${API_ROUTES.docs}/swagger-ui-init.js`)).text();
      expect(init).toContain('"validatorUrl": null');
      // The only outside address is the license link a reader may follow; nothing is loaded from one.
      const outside = [...init.matchAll(/https?:\/\/(?!127\.0\.0\.1|localhost)[^"'\s]+/g)].map((m) => m[0]);
      expect(outside).toEqual(['https://opensource.org/licenses/MIT']);
      expect(init).toMatch(/"license":\s*\{\s*"name":\s*"MIT",\s*"url":\s*"https:\/\/opensource\.org\/licenses\/MIT"/);
    });

    it('documents the routes with the contract schemas', async () => {
      const doc = await (await get(`${API_ROUTES.docs}/openapi.json`)).json();
      const stats = doc.paths[API_ROUTES.stats].get;
      expect(stats.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['limit', 'period']);
      expect(stats.parameters.find((p: { name: string }) => p.name === 'period').schema.enum).toEqual([...PERIODS]);
      expect(Object.keys(stats.responses['200'].content['application/json'].schema.properties).sort())
        .toEqual(Object.keys(statsResponseSchema.shape).sort());
      expect(Object.keys(stats.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '503']));
      expect(stats.security).toEqual([{ bearer: [] }]);
      expect(doc.paths[API_ROUTES.ready].get.responses['503']).toBeDefined();
    });
  });

  it('does not advertise its framework', async () => {
    expect((await get(API_ROUTES.health)).headers.get('x-powered-by')).toBeNull();
  });

  it('logs one JSON object per line, with no token and no database password', () => {
    expect(api.output.length).toBeGreaterThan(10);
    for (const line of api.output) {
      expect(parseJson(line)).toBeDefined();
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(TEST_READER.password);
    }
    expect(api.output.map(parseJson).find((e) => e?.msg === 'request' && e.status === 401)).toMatchObject({ method: 'GET', context: 'Http' });
  });

  it("writes Nest's own messages in the same shape as its own", () => {
    const entries = api.output.map(parseJson);
    expect(entries.filter((e) => e?.service !== 'api')).toEqual([]);
    expect(entries.find((e) => e?.context === 'RouterExplorer')).toMatchObject({ level: 'info', msg: expect.stringMatching(/^Mapped \{/) });
  });

  it('refuses to start on a bad environment: every problem in one line, no secret, exit code 1', async () => {
    const { code, output } = await runApiToExit({ API_TOKEN: 'too-short-secret', PORT: 'eighty', CORS_ORIGINS: '*', LOG_LEVEL: 'chatty' });
    expect(code).toBe(1);
    expect(output).toHaveLength(1);
    const entry = parseJson(output[0])!;
    expect(entry.level).toBe('error');
    for (const name of ['DATABASE_URL', 'API_TOKEN', 'PORT', 'CORS_ORIGINS', 'LOG_LEVEL']) expect(entry.msg).toContain(name);
    expect(output[0]).not.toContain('too-short-secret');
  }, 30_000);

  it('stops at once on SIGTERM, exit code 0, even with a keep-alive connection open', async () => {
    const instance = await startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0' });
    await fetch(`${instance.url}${API_ROUTES.stats}?period=7d`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const started = Date.now();
    expect(await instance.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 30_000);
});

/** Writes `request` as is on a new connection and resolves everything the server sends until it closes. */
function rawRequest(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
