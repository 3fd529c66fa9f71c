/** @jest-environment node */
import { renderToStaticMarkup } from 'react-dom/server';
import { startFakeApi, type FakeApi } from './support/fake-api';
import { statsFixture } from './support/stats-fixture';
import { DashboardStats } from '@/components/dashboard-stats';
import { fetchStats } from '@/lib/api';
import type { DashboardConfig } from '@/lib/config';

jest.mock('server-only', () => ({}));

let api: FakeApi;
let config: DashboardConfig;
const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

beforeEach(async () => {
  api = await startFakeApi();
  config = { apiUrl: api.url, apiToken: 'token', dashboardPassword: 'pw', sessionSecret: 's'.repeat(32), forceSecureCookie: false, trustedProxies: [] };
});
afterEach(() => api.close());
afterAll(() => stdout.mockRestore());

async function render(period: '7d' | '24h' = '7d') {
  return renderToStaticMarkup(<DashboardStats result={await fetchStats(config, period)} period={period} />);
}

describe('DashboardStats (server component against an HTTP api)', () => {
  it('renders KPIs, chart, top users and recent dialogs of the period', async () => {
    api.respond(200, statsFixture('24h'));
    const html = await render('24h');
    expect(html).toContain('data-stats-period="24h"');
    expect(html).toContain('Activity per hour');
    expect(html).toMatch(/data-kpi="messages" data-value="1234"/);
    expect(html).toContain('Alice Liddell');
    expect(html).toContain('Could you summarise the meeting notes from Tuesday?');
  });

  it('shows the empty state on a fresh install', async () => {
    const zero = { value: 0, previous: 0, changePct: null };
    api.respond(200, statsFixture('7d', {
      kpis: { totalUsers: zero, activeUsers: zero, dialogs: zero, messages: zero, avgMessageLength: zero },
      topUsers: [],
      recentDialogs: [],
    }));
    const html = await render();
    expect(html).toContain('data-state="empty"');
    expect(html).toContain('No conversations yet');
    expect(html).not.toContain('data-kpi');
  });

  it('says so when the api fails, and offers a retry of the same view', async () => {
    api.respond(503, { statusCode: 503, error: 'Service Unavailable', message: 'Database unavailable' });
    const html = await render();
    expect(html).toContain('data-state="api-error"');
    expect(html).toContain('The statistics API answered 503: Database unavailable.');
    expect(html).toContain('href="/?period=7d"');
  });
});
