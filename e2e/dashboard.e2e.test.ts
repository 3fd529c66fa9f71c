import { API_ROUTES, PERIODS, statsResponseSchema, type Period, type StatsResponse } from '@dialogstack/contract';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { axeViolations, AXE_TAGS } from './support/axe';
import { REPO_ROOT, secret } from './support/docker';
import { buildFrontend, hydrated, startFrontend, type RunningFrontend } from './support/frontend';
import { startSeededApi, type SeededApi } from './support/seeded-api';
import { createSessionToken, SESSION_COOKIE } from '../src/frontend/lib/session';
import { statsFixture } from '../src/frontend/test/support/stats-fixture';

const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'screenshots');
/** The README's pictures of the demo: written only when asked, from this test's screenshots. */
const README_IMAGES = join(REPO_ROOT, 'devops', 'doc', 'images');
const UPDATE_README_SCREENSHOTS = process.env.UPDATE_README_SCREENSHOTS === '1';
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
 * against the real api over a PostgreSQL database holding the demo's history (what
 * `make demo` seeds): what a person sees must be what the api says.
 */
describe('dashboard in a browser, against the real api', () => {
  let api: SeededApi;
  let frontend: RunningFrontend;
  let browser: Browser;
  const password = secret(8);
  const sessionSecret = secret(24);

  beforeAll(async () => {
    await buildFrontend();
    api = await startSeededApi({ history: { days: 90, users: 40 } });
    frontend = await startFrontend({ API_URL: api.url, API_TOKEN: api.token, DASHBOARD_PASSWORD: password, SESSION_SECRET: sessionSecret });
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
    const page = await context.newPage();
    // A page that never hydrates (seen under load, cause not found yet) says why here, if it can.
    page.on('pageerror', (e) => console.log(`page error at ${page.url()}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`console error at ${page.url()}: ${m.text()}`); });
    return page;
  }

  /** Every page state axe checked and what it found: written to artifacts/axe.json (the README's figures). */
  const axeChecked: { page: string; violations: number }[] = [];
  afterAll(() => {
    mkdirSync(join(REPO_ROOT, 'artifacts'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'artifacts', 'axe.json'), `${JSON.stringify(axeChecked, null, 2)}\n`);
  });

  async function expectNoViolations(page: Page, what: string): Promise<void> {
    const violations = await axeViolations(page);
    axeChecked.push({ page: what, violations: violations.length });
    expect({ page: what, violations }).toEqual({ page: what, violations: [] });
  }

  /** A page already signed in (a valid session cookie): for tests about what comes after sign-in. */
  async function sessionPage(options: BrowserContextOptions = {}, server = frontend): Promise<Page> {
    const page = await newPage(options);
    await page.context().addCookies([{ name: SESSION_COOKIE, value: createSessionToken(sessionSecret).token, url: server.url }]);
    return page;
  }

  async function signIn(page: Page, withPassword = password): Promise<void> {
    await hydrated(page.locator('form'));
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

    await hydrated(page.getByRole('button', { name: '30d' }));
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
    await page.locator('.chart .chart__line--messages').waitFor();
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

  /** Moves the pointer over the activity chart, `at` of the way across its plot, and waits for the read-out. */
  async function pointAtChart(page: Page, at: number): Promise<void> {
    await hydrated(page.locator('.chart__pointer'));
    const box = (await page.locator('.chart__pointer').boundingBox())!;
    await page.mouse.move(box.x + box.width * at, box.y + Math.min(box.height / 2, 60));
    await page.locator('.chart-tooltip').waitFor();
  }

  describe('chart', () => {
    it.each([['desktop', DESKTOP], ['phone', PHONE]] as const)('draws both series readable, nicely scaled and labelled on a %s (screenshot)', async (device, viewport) => {
      const page = await sessionPage({ viewport, deviceScaleFactor: 2 });
      for (const period of ['24h', '7d', '30d', '90d'] as const) {
        await page.goto(`${frontend.url}/?period=${period}`);
        await page.locator(`[data-stats-period="${period}"] .chart`).waitFor();
        const stats = await apiStats(period);
        const chart = await page.evaluate(() => {
          const box = (el: Element) => el.getBoundingClientRect();
          const plots = Array.from(document.querySelectorAll('.chart__plot')).map((plot) => ({
            series: (plot as HTMLElement).dataset.series!,
            ticks: (plot as HTMLElement).dataset.ticks!.split(' ').map(Number),
            plotHeight: box(plot).height,
            lineHeight: box(plot.querySelector('.chart__line')!).height,
          }));
          const labels = Array.from(document.querySelectorAll('.chart__x-label')).filter((l) => getComputedStyle(l).display !== 'none').map(box);
          const chartBox = box(document.querySelector('.chart-card')!);
          return { plots, labels: labels.map((l) => ({ left: l.left, right: l.right })), card: { left: chartBox.left, right: chartBox.right } };
        });
        for (const plot of chart.plots) {
          const key = plot.series as 'messages' | 'activeUsers';
          const max = Math.max(...stats.series.map((p) => p[key]));
          const [, step] = plot.ticks;
          // Nice ticks: 1, 2, 2.5 or 5 × 10^k, from zero to the first tick at or above the maximum.
          expect({ period, key, nice: /^(1|2|25|5)0*$/.test(String(step)), top: plot.ticks[plot.ticks.length - 1] >= max }).toEqual({ period, key, nice: true, top: true });
          // Readable: the line spans a good part of its own panel (not squashed against the axis).
          if (max > 0) expect({ period, key, share: plot.lineHeight / plot.plotHeight > 0.3 }).toEqual({ period, key, share: true });
        }
        // Enough x labels for the width, none touching another, none outside the card.
        expect({ period, enough: chart.labels.length >= Math.min(stats.series.length, 4) }).toEqual({ period, enough: true });
        for (let i = 1; i < chart.labels.length; i++) expect(chart.labels[i].left).toBeGreaterThan(chart.labels[i - 1].right);
        expect(chart.labels[0].left).toBeGreaterThanOrEqual(chart.card.left);
        expect(chart.labels[chart.labels.length - 1].right).toBeLessThanOrEqual(chart.card.right);
      }
      // The read-out names the bucket under the pointer with both of its values, as the api has them.
      await pointAtChart(page, 0.75);
      const index = Number(await page.locator('.chart-tooltip').getAttribute('data-index'));
      const point = (await apiStats('90d')).series[index];
      const rows = await page.locator('.chart-tooltip__row').allTextContents();
      expect(rows).toEqual([`Messages${numbers.format(point.messages)}`, `Active users${numbers.format(point.activeUsers)}`]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.locator('.chart-card').screenshot({ path: join(SCREENSHOTS, `chart-${device}-90d.png`) });
      await page.context().close();
    });
  });

  describe(`accessibility: axe-core, ${AXE_TAGS.join(', ')}`, () => {
    it.each([
      ['desktop', 'light'],
      ['desktop', 'dark'],
      ['phone', 'light'],
      ['phone', 'dark'],
    ] as const)('dashboard: every period on a %s in the %s theme, with the chart read-out open too', async (device, scheme) => {
      const page = await sessionPage({ viewport: device === 'phone' ? PHONE : DESKTOP, colorScheme: scheme });
      for (const period of PERIODS) {
        await page.goto(`${frontend.url}/?period=${period}`);
        await page.locator(`[data-stats-period="${period}"]`).waitFor();
        await expectNoViolations(page, `dashboard ${period} ${device} ${scheme}`);
      }
      await pointAtChart(page, 0.4);
      await expectNoViolations(page, `dashboard all ${device} ${scheme}, chart read-out open`);
      await page.context().close();
    });

    it.each([
      ['desktop', 'light'],
      ['desktop', 'dark'],
      ['phone', 'light'],
      ['phone', 'dark'],
    ] as const)('sign-in on a %s in the %s theme, also after a wrong password', async (device, scheme) => {
      const page = await newPage({ viewport: device === 'phone' ? PHONE : DESKTOP, colorScheme: scheme });
      await page.goto(`${frontend.url}/sign-in`);
      await expectNoViolations(page, `sign-in ${device} ${scheme}`);
      await signIn(page, 'not-the-password');
      await page.locator('#password-error').waitFor();
      await expectNoViolations(page, `sign-in ${device} ${scheme}, wrong password`);
      await page.context().close();
    });

    it('the states of a fresh install and of a server started without its settings', async () => {
      const zero = { value: 0, previous: 0, changePct: null };
      const empty = statsFixture('7d', {
        kpis: { totalUsers: zero, activeUsers: zero, dialogs: zero, messages: zero, avgMessageLength: zero },
        topUsers: [],
        recentDialogs: [],
      });
      const fake: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(empty)));
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      const fresh = await startFrontend({
        API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, API_TOKEN: api.token, DASHBOARD_PASSWORD: password, SESSION_SECRET: sessionSecret,
      });
      const unconfigured = await startFrontend({});
      try {
        for (const scheme of ['light', 'dark'] as const) {
          const page = await sessionPage({ colorScheme: scheme }, fresh);
          await page.goto(`${fresh.url}/?period=7d`);
          await page.locator('[data-state="empty"]').waitFor();
          await expectNoViolations(page, `dashboard, fresh install ${scheme}`);
          await page.goto(`${unconfigured.url}/`);
          await page.locator('[data-state="config-error"]').waitFor();
          await expectNoViolations(page, `dashboard, not configured ${scheme}`);
          await page.goto(`${unconfigured.url}/sign-in`);
          await page.locator('[data-state="config-error"]').waitFor();
          await expectNoViolations(page, `sign-in, not configured ${scheme}`);
          await page.context().close();
        }
      } finally {
        await fresh.stop();
        await unconfigured.stop();
        await new Promise<void>((resolve) => fake.close(() => resolve()));
      }
    });
  });

  it('takes the README\'s pictures of the demo (kept when UPDATE_README_SCREENSHOTS=1)', async () => {
    for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const page = await sessionPage({ viewport, colorScheme: 'light', deviceScaleFactor: device === 'phone' ? 2 : 1 });
      await page.goto(`${frontend.url}/?period=30d`);
      await page.locator('[data-stats-period="30d"] .chart').waitFor();
      await pointAtChart(page, device === 'phone' ? 0.3 : 0.62);
      const file = join(SCREENSHOTS, `readme-dashboard-${device}.png`);
      // From the top to the end of the chart: the figures and the activity of the demo's month.
      const card = (await page.locator('.chart-card').boundingBox())!;
      const height = Math.ceil(card.y + card.height + 16);
      await page.screenshot({ path: file, fullPage: height > viewport.height, clip: { x: 0, y: 0, width: viewport.width, height } });
      if (UPDATE_README_SCREENSHOTS) {
        mkdirSync(README_IMAGES, { recursive: true });
        copyFileSync(file, join(README_IMAGES, `dashboard-${device}.png`));
      }
      await page.context().close();
    }
  });

  it('remembers the theme chosen with the toggle, rendered by the server on the next load', async () => {
    const page = await signedInPage({ colorScheme: 'light' });
    await hydrated(page.getByRole('button', { name: 'Toggle dark theme' }));
    await page.getByRole('button', { name: 'Toggle dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const html = await (await page.request.get(`${frontend.url}/`)).text();
    expect(html).toMatch(/<html lang="en" data-theme="dark">/);
    await page.context().close();
  });

  it('signs out: the session is gone and the dashboard asks for the password again', async () => {
    const page = await signedInPage();
    await hydrated(page.getByRole('button', { name: 'Sign out' }));
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
    await expectNoViolations(page, 'dashboard, api down');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-desktop-api-down.png') });
    expect((await fetch(`${frontend.url}/api/health`)).status).toBe(200);
    await page.context().close();
  });
});
