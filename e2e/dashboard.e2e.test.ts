import { API_ROUTES, statsResponseSchema, type Period, type StatsResponse } from '@dialogstack/contract';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { REPO_ROOT, secret } from './support/docker';
import { buildFrontend, startFrontend, type RunningFrontend } from './support/frontend';
import { startSeededApi, type SeededApi } from './support/seeded-api';

const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'screenshots');
const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'],
};
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };
const numbers = new Intl.NumberFormat('en-US');

/**
 * The built dashboard (standalone server, built with none of its variables set) in Chromium,
 * against the real api over a seeded PostgreSQL database: what a person sees must be what
 * the api says.
 */
describe('dashboard in a browser, against the real api', () => {
  let api: SeededApi;
  let frontend: RunningFrontend;
  let browser: Browser;
  const password = secret(8);

  beforeAll(async () => {
    await buildFrontend();
    api = await startSeededApi({ users: 60, messages: 6000, days: 120 });
    frontend = await startFrontend({ API_URL: api.url, API_TOKEN: api.token, DASHBOARD_PASSWORD: password, SESSION_SECRET: secret(24) });
    browser = await chromium.launch(CHROMIUM);
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await frontend?.stop();
    await api?.close();
  }, 60_000);

  async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light', ...options });
    return context.newPage();
  }

  async function signIn(page: Page, withPassword = password): Promise<void> {
    await page.getByLabel('Password').fill(withPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function signedInPage(options: BrowserContextOptions = {}, path = '/'): Promise<Page> {
    const page = await newPage(options);
    await page.goto(`${frontend.url}${path}`);
    await signIn(page);
    await page.waitForURL((url) => url.pathname === '/');
    return page;
  }

  async function apiStats(period: Period): Promise<StatsResponse> {
    return statsResponseSchema.parse(await api.get(`${API_ROUTES.stats}?period=${period}&limit=10`));
  }

  /** KPI values, top users and recent dialogs as the page shows them, compared with the api's JSON. */
  async function expectPageToShow(page: Page, period: Period): Promise<StatsResponse> {
    await page.locator(`[data-stats-period="${period}"]`).waitFor();
    const shown = await page.$$eval('[data-kpi]', (cards) => cards.map((card) => ({
      kpi: (card as HTMLElement).dataset.kpi!,
      value: Number((card as HTMLElement).dataset.value),
      text: card.querySelector('.kpi__value')!.textContent,
      trend: card.querySelector('.kpi__change')!.textContent,
    })));
    const topUsers = await page.$$eval('[data-user-id] .person__name', (cells) => cells.map((c) => c.textContent));
    const dialogs = await page.locator('[data-chat-id]').count();

    const stats = await apiStats(period);
    expect(shown.map(({ kpi, value }) => ({ kpi, value }))).toEqual(
      Object.entries(stats.kpis).map(([kpi, { value }]) => ({ kpi, value })),
    );
    for (const card of shown) {
      const kpi = stats.kpis[card.kpi as keyof StatsResponse['kpis']];
      const formatted = card.kpi === 'avgMessageLength' ? `${kpi.value.toFixed(1)} chars` : numbers.format(kpi.value);
      expect({ kpi: card.kpi, text: card.text }).toEqual({ kpi: card.kpi, text: formatted });
      if (kpi.changePct === null) expect(card.trend).toBe('no previous data');
      else expect(card.trend).toMatch(/^(\+|\u2212)?\d+(\.\d)?%$/);
    }
    expect(topUsers).toEqual(stats.topUsers.map((u) => u.displayName));
    expect(dialogs).toBe(stats.recentDialogs.length);
    return stats;
  }

  it('sends a visitor without a session to sign-in, and refuses a wrong password', async () => {
    const page = await newPage();
    await page.goto(`${frontend.url}/?period=30d`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-desktop-light.png') });

    const started = Date.now();
    await signIn(page, 'not-the-password');
    await page.locator('#password-error').waitFor();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(await page.locator('#password-error').textContent()).toBe('Wrong password. Check it and try again.');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('dialogstack_session');
    await page.context().close();
  });

  it('signs in with an httpOnly, SameSite=Lax, expiring session cookie and returns to the page asked for', async () => {
    const page = await newPage();
    await page.goto(`${frontend.url}/?period=30d`);
    await signIn(page);
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('period') === '30d');
    const session = (await page.context().cookies()).find((c) => c.name === 'dialogstack_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    const days = (session!.expires * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    await expectPageToShow(page, '30d');
    await page.context().close();
  });

  it('marks the session cookie Secure when the request came over https (x-forwarded-proto)', async () => {
    const page = await newPage({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' } });
    await page.goto(`${frontend.url}/sign-in`);
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST'),
      signIn(page),
    ]);
    expect(await response.headerValue('set-cookie')).toMatch(/^dialogstack_session=[^;]+;.*\bSecure\b/i);
    await page.context().close();
  });

  it('shows the api\'s numbers, and other numbers after switching the period (kept in the URL)', async () => {
    const page = await signedInPage();
    const week = await expectPageToShow(page, '7d');

    await page.getByRole('button', { name: '30d' }).click();
    await page.waitForURL((url) => url.searchParams.get('period') === '30d');
    expect(await page.getByRole('button', { name: '30d' }).getAttribute('aria-pressed')).toBe('true');
    const month = await expectPageToShow(page, '30d');
    expect(month.kpis.messages.value).toBeGreaterThan(week.kpis.messages.value);

    await page.getByRole('button', { name: 'All' }).click();
    await page.waitForURL((url) => url.searchParams.get('period') === 'all');
    await expectPageToShow(page, 'all');
    expect(await page.locator('[data-kpi] .kpi__change').allTextContents()).toEqual(Array(5).fill('no previous data'));

    await page.reload();
    await expectPageToShow(page, 'all');
    await page.context().close();
  });

  it.each([
    ['desktop', 'light'],
    ['desktop', 'dark'],
    ['phone', 'light'],
    ['phone', 'dark'],
  ] as const)('renders on a %s in the %s theme of the system, without horizontal scrolling (screenshot)', async (device, scheme) => {
    const page = await signedInPage({ viewport: device === 'phone' ? PHONE : DESKTOP, colorScheme: scheme });
    await expectPageToShow(page, '7d');
    await page.locator('.chart svg').waitFor();
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    expect(layout.overflow).toBeLessThanOrEqual(0);
    const [r, g, b] = layout.background.match(/\d+/g)!.map(Number);
    const dark = (r + g + b) / 3 < 128;
    expect(dark).toBe(scheme === 'dark');
    await page.mouse.move(0, 0); // no chart tooltip left open where the sign-in button was
    await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${device}-${scheme}.png`), fullPage: true });
    await page.context().close();
  });

  it('remembers the theme chosen with the toggle, rendered by the server on the next load', async () => {
    const page = await signedInPage({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Toggle dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const html = await (await page.request.get(`${frontend.url}/`)).text();
    expect(html).toMatch(/<html lang="en" data-theme="dark">/);
    await page.context().close();
  });

  it('signs out: the session is gone and the dashboard asks for the password again', async () => {
    const page = await signedInPage();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('dialogstack_session');
    await page.goto(`${frontend.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.context().close();
  });

  it('still renders, and says so, when the api is down; its own health check stays up', async () => {
    const page = await signedInPage();
    await expectPageToShow(page, '7d');
    await api.stopApi();
    await page.reload();
    const error = page.locator('[data-state="api-error"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('The statistics API cannot be reached.');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-desktop-api-down.png') });
    expect((await fetch(`${frontend.url}/api/health`)).status).toBe(200);
    await page.context().close();
  });
});
