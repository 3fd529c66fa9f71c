import { API_ROUTES } from '@dialogstack/contract';
import { createDataSource } from '@dialogstack/db';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { TestDatabase } from '../../../test/support/database';
import { seedDatabase } from '../src/seed/seed';
import { ApiProcess, buildApi, startApi } from './support/api-process';
import { migratedTestDatabase } from './support/test-database';

/**
 * The OpenAPI document as its readers' tools judge it (Redocly's recommended rules) and as
 * its clients rely on it: every response it documents is one the api really sends, with a
 * body that the documented schema accepts.
 */
const TOKEN = 'test-api-token-0123456789abcdefghij';
type Doc = { paths: Record<string, { get: { responses: Record<string, { content?: { 'application/json'?: { schema: unknown } } }> } }> };

describe('OpenAPI document', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  /** The same api without a reachable database: the documented 503s. */
  let down: ApiProcess;
  let doc: Doc;

  beforeAll(async () => {
    buildApi();
    db = await migratedTestDatabase('openapi');
    const ds = createDataSource({ url: db.writerUrl, applicationName: 'openapi-test-seed', poolSize: 1 });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    await seedDatabase(runner, { users: 20, messages: 500, days: 30, randomSeed: 3, replace: false });
    await runner.release();
    await ds.destroy();
    [api, down] = await Promise.all([
      startApi({ DATABASE_URL: db.readerUrl, API_TOKEN: TOKEN, PORT: '0' }),
      startApi({ DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none', API_TOKEN: TOKEN, PORT: '0' }),
    ]);
    doc = await (await fetch(`${api.url}${API_ROUTES.docs}/openapi.json`)).json() as Doc;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), down?.stop()]);
    await db?.drop();
  });

  it('has no error and no warning under Redocly\'s recommended rules', () => {
    const out = execFileSync(process.execPath, [join(__dirname, 'support', 'redocly-lint.mjs')], { input: JSON.stringify(doc), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([]);
  });

  /** Every documented (route, status), and a request that gets it. */
  const cases: { route: string; status: string; why: string; from: 'api' | 'down'; query?: string; token?: boolean }[] = [
    { route: API_ROUTES.stats, status: '200', why: 'a period with data', from: 'api', query: '?period=30d', token: true },
    { route: API_ROUTES.stats, status: '400', why: 'an unknown period', from: 'api', query: '?period=1y', token: true },
    { route: API_ROUTES.stats, status: '401', why: 'no token', from: 'api' },
    { route: API_ROUTES.stats, status: '503', why: 'no database', from: 'down', token: true },
    { route: API_ROUTES.health, status: '200', why: 'alive', from: 'api' },
    { route: API_ROUTES.health, status: '400', why: 'a parameter', from: 'api', query: '?verbose=1' },
    { route: API_ROUTES.ready, status: '200', why: 'the database answers', from: 'api' },
    { route: API_ROUTES.ready, status: '400', why: 'a parameter', from: 'api', query: '?verbose=1' },
    { route: API_ROUTES.ready, status: '503', why: 'no database', from: 'down' },
  ];

  it('documents exactly the responses exercised here', () => {
    const documented = Object.entries(doc.paths).flatMap(([route, { get }]) => Object.keys(get.responses).map((status) => `${route} ${status}`));
    expect(documented.sort()).toEqual(cases.map((c) => `${c.route} ${c.status}`).sort());
  });

  it.each(cases)('$route answers $status as documented ($why)', async ({ route, status, from, query = '', token }) => {
    const base = (from === 'api' ? api : down).url;
    const res = await fetch(`${base}${route}${query}`, { headers: token ? { authorization: `Bearer ${TOKEN}` } : {} });
    expect(res.status).toBe(Number(status));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const schema = doc.paths[route].get.responses[status].content?.['application/json']?.schema;
    expect(schema).toBeDefined();
    const documented = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0], { defaultTarget: 'openapi-3.0' });
    const body = await res.json();
    const parsed = documented.safeParse(body);
    expect(parsed.success ? 'matches' : parsed.error.issues).toBe('matches');
  });
});
