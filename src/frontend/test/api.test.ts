/** @jest-environment node */
import { startFakeApi, type FakeApi } from './support/fake-api';
import { statsFixture } from './support/stats-fixture';
import { fetchStats } from '@/lib/api';

jest.mock('server-only', () => ({}));

const TOKEN = 'test-token-0123456789abcdef0123456789';
let api: FakeApi;
const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

beforeEach(async () => { api = await startFakeApi(); stdout.mockClear(); });
afterEach(() => api.close());
afterAll(() => stdout.mockRestore());

describe('fetchStats', () => {
  it('asks for the period with the bearer token and returns the validated response', async () => {
    const body = statsFixture('30d');
    api.respond(200, body);
    const result = await fetchStats({ apiUrl: api.url, apiToken: TOKEN }, '30d');
    expect(result).toEqual({ ok: true, stats: body });
    expect(api.requests[0].url).toBe('/api/v1/stats?period=30d&limit=10');
    expect(api.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('reports an error response with the api\'s message', async () => {
    api.respond(401, { statusCode: 401, error: 'Unauthorized', message: 'Missing or invalid bearer token' });
    const result = await fetchStats({ apiUrl: api.url, apiToken: 'wrong' }, '7d');
    expect(result).toEqual({
      ok: false,
      problem: { kind: 'rejected', status: 401, message: 'The statistics API answered 401: Missing or invalid bearer token.' },
    });
  });

  it('reports a response that breaks the contract instead of rendering it', async () => {
    api.respond(200, { ...statsFixture('7d'), kpis: { messages: 'many' } });
    const result = await fetchStats({ apiUrl: api.url, apiToken: TOKEN }, '7d');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.kind).toBe('invalid-response');
  });

  it('reports an api that is down', async () => {
    const downUrl = api.url;
    await api.close();
    const result = await fetchStats({ apiUrl: downUrl, apiToken: TOKEN }, '7d');
    expect(result).toEqual({ ok: false, problem: { kind: 'unreachable', message: 'The statistics API cannot be reached.' } });
    api = await startFakeApi();
  });

  it('gives up on an api that does not answer in time', async () => {
    api.respond(200, statsFixture('7d'), 2000);
    const result = await fetchStats({ apiUrl: api.url, apiToken: TOKEN }, '7d', { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, problem: { kind: 'unreachable', message: 'The statistics API did not answer in time.' } });
  });

  it('logs failures as JSON without the token', async () => {
    api.respond(500, { statusCode: 500, error: 'Internal Server Error', message: 'boom' });
    await fetchStats({ apiUrl: api.url, apiToken: TOKEN }, '7d');
    const lines = stdout.mock.calls.map(([line]) => String(line));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'error', msg: 'stats request failed', kind: 'rejected', status: 500 });
    expect(lines[0]).not.toContain(TOKEN);
  });
});
