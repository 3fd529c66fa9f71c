/** @jest-environment node */
import { isValidElement, Suspense, type ReactElement, type ReactNode } from 'react';
import { startFakeApi, type FakeApi } from './support/fake-api';
import { statsFixture } from './support/stats-fixture';
import DashboardPage from '@/app/(dashboard)/page';
import { DashboardSkeleton } from '@/components/dashboard-skeleton';
import { DashboardStats, StreamedDashboardStats } from '@/components/dashboard-stats';
import { STATS_WAIT_MS } from '@/lib/api';

jest.mock('server-only', () => ({}));
jest.mock('@/lib/auth', () => ({ requireSession: jest.fn(async () => undefined) }));

let api: FakeApi;
const env = { ...process.env };
const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

beforeEach(async () => {
  api = await startFakeApi();
  Object.assign(process.env, { API_URL: api.url, API_TOKEN: 'token', DASHBOARD_PASSWORD: 'p'.repeat(16), SESSION_SECRET: 's'.repeat(32) });
});
afterEach(async () => {
  process.env = { ...env };
  await api.close();
});
afterAll(() => stdout.mockRestore());

/** The element after the page head: the figures themselves, or the boundary they stream into. */
async function statsPart(): Promise<ReactElement<Record<string, unknown>>> {
  const page = await DashboardPage({ searchParams: Promise.resolve({ period: '7d' }) });
  const children = (page.props as { children: ReactNode[] }).children;
  const part = children[1];
  if (!isValidElement(part)) throw new Error('no stats part');
  return part as ReactElement<Record<string, unknown>>;
}

describe('DashboardPage', () => {
  it('puts a quick answer of the api into the page itself: no skeleton, nothing to stream', async () => {
    api.respond(200, statsFixture('7d'));
    const part = await statsPart();
    expect(part.type).toBe(DashboardStats);
    expect(part.props.result).toMatchObject({ ok: true, stats: { period: '7d' } });
  });

  it('puts a quick failure into the page too (the api is down: the error state at once)', async () => {
    await api.close();
    const part = await statsPart();
    expect(part.type).toBe(DashboardStats);
    expect(part.props.result).toMatchObject({ ok: false, problem: { kind: 'unreachable' } });
    api = await startFakeApi();
  });

  it(`streams a slower answer (over ${STATS_WAIT_MS} ms) in behind the skeleton, sent at once`, async () => {
    api.respond(200, statsFixture('7d'), STATS_WAIT_MS + 700);
    const started = Date.now();
    const part = await statsPart();
    expect(Date.now() - started).toBeLessThan(STATS_WAIT_MS + 600);
    expect(part.type).toBe(Suspense);
    expect((part.props.fallback as ReactElement).type).toBe(DashboardSkeleton);
    const streamed = part.props.children as ReactElement<{ result: Promise<unknown>; period: string }>;
    expect(streamed.type).toBe(StreamedDashboardStats);
    const shown = await StreamedDashboardStats(streamed.props as Parameters<typeof StreamedDashboardStats>[0]);
    expect(shown.props.result).toMatchObject({ ok: true, stats: { period: '7d' } });
  });
});
