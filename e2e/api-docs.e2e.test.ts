import { API_ROUTES } from '@dialogstack/contract';
import { Browser, chromium } from 'playwright-core';
import { ApiProcess, buildApi, startApi } from '../src/api/test/support/api-process';

/**
 * The api's Swagger UI renders in a real browser with no network beyond the api itself.
 * The page is opened under a non-local host name (mapped to 127.0.0.1 in Chromium), as on a
 * server, so an online dependency such as swagger-ui's validator badge would show up.
 * No database is needed: the docs are public and the api starts without one.
 */
const HOST = 'api.docs.test';

describe('api docs in a browser', () => {
  let api: ApiProcess;
  let browser: Browser;

  beforeAll(async () => {
    buildApi();
    api = await startApi({ DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none', API_TOKEN: 'docs-e2e-token-0123456789abcdefghij', PORT: '0' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync',
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('renders every route from local assets only', async () => {
    const port = new URL(api.url).port;
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === HOST && url.port === port) return route.continue();
      elsewhere.push(url.href);
      return route.abort();
    });
    await page.goto(`http://${HOST}:${port}${API_ROUTES.docs}`);
    for (const path of [API_ROUTES.stats, API_ROUTES.health, API_ROUTES.ready]) {
      await page.locator('.opblock-summary-path', { hasText: path }).first().waitFor({ timeout: 15_000 });
    }
    await page.locator('button.authorize').waitFor();
    await page.waitForLoadState('networkidle');
    expect(elsewhere).toEqual([]);
  }, 60_000);
});
