import { chromium, type Browser, type Page } from 'playwright-core';
import { secret } from './support/docker';
import { buildFrontend, hydrated, startFrontend, type RunningFrontend } from './support/frontend';
import { startSeededApi, type SeededApi } from './support/seeded-api';

const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'],
};

/**
 * The dashboard as an attacker meets it, in Chromium against the built standalone server:
 * the sign-in redirect stays on the dashboard's origin whatever `next` says, the pages run
 * under a nonce-based Content-Security-Policy (and still hydrate), and password guessing is
 * limited per client and answered with 429 + Retry-After.
 */
describe('dashboard security in a browser', () => {
  let api: SeededApi;
  let frontend: RunningFrontend;
  let browser: Browser;
  const password = secret(16);

  beforeAll(async () => {
    await buildFrontend();
    api = await startSeededApi({ users: 12, messages: 600, days: 20 });
    frontend = await startFrontend({ API_URL: api.url, API_TOKEN: api.token, DASHBOARD_PASSWORD: password, SESSION_SECRET: secret(24) });
    browser = await chromium.launch(CHROMIUM);
  }, 15 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await frontend?.stop();
    await api?.close();
  }, 60_000);

  /** A page that records every CSP violation and console message, and never leaves loopback. */
  async function watchedPage(): Promise<{ page: Page; violations: string[]; console: string[]; navigations: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations: string[] = [];
    const consoleMessages: string[] = [];
    const navigations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations.push(frame.url()); });
    // Anything off loopback is refused at once (no network here, and no waiting on DNS).
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
    return { page, violations, console: consoleMessages, navigations };
  }

  async function signIn(page: Page, withPassword = password): Promise<void> {
    await hydrated(page.locator('form'));
    await page.getByLabel('Password').fill(withPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it.each([
    ['a tab', '/%09/evil.example/phish'],
    ['a newline', '/%0A/evil.example/phish'],
    ['a carriage return', '/%0D/evil.example/phish'],
    ['a backslash', '/%5C/evil.example/phish'],
    ['a leading tab', '%09//evil.example/phish'],
    ['a dot segment', '/.//evil.example/phish'],
    ['an absolute URL', 'https://evil.example/phish'],
  ])('after sign-in, stays on the dashboard when next= hides another host behind %s', async (_, next) => {
    const { page, navigations } = await watchedPage();
    await page.goto(`${frontend.url}/sign-in?next=${next}`);
    await signIn(page);
    await page.waitForURL((url) => url.origin === frontend.url && url.pathname === '/');
    await page.locator('[data-stats-period]').waitFor();
    expect(navigations.map((url) => new URL(url).origin).filter((origin) => origin !== frontend.url)).toEqual([]);
    await page.context().close();
  });

  it('renders and hydrates the dashboard under a nonce-based CSP, without a single violation', async () => {
    const { page, violations, console: messages } = await watchedPage();
    const signInResponse = await page.goto(`${frontend.url}/sign-in`);
    const policy = signInResponse!.headers()['content-security-policy'];
    expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    // Every script Next.js put in the page carries this response's nonce.
    const nonce = /'nonce-([^']+)'/.exec(policy)![1];
    const scripts = await page.$$eval('script', (all) => all.map((s) => s.nonce));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((n) => n === nonce)).toBe(true);

    // Hydrated: a wrong password is answered in place by the form's client code.
    await signIn(page, 'not-the-password-at-all');
    await page.locator('#password-error').waitFor();
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);

    await signIn(page);
    await page.waitForURL((url) => url.pathname === '/');
    const dashboard = await page.request.get(`${frontend.url}/`);
    expect(dashboard.headers()).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'permissions-policy': expect.stringContaining('camera=()'),
    });
    expect(dashboard.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(/'nonce-([^']+)'/.exec(dashboard.headers()['content-security-policy'])![1]).not.toBe(nonce);

    await page.locator('.chart svg').first().waitFor();
    // Hydrated: client-side navigation and state.
    await hydrated(page.getByRole('button', { name: '30d' }));
    await page.getByRole('button', { name: '30d' }).click();
    await page.waitForURL((url) => url.searchParams.get('period') === '30d');
    // The page, not its streamed-in numbers: showing those (a Suspense boundary's swap) takes JavaScript.
    await page.locator('[data-stats-period="30d"]').waitFor({ state: 'attached' });
    await hydrated(page.getByRole('button', { name: 'Toggle dark theme' }));
    await page.getByRole('button', { name: 'Toggle dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');

    expect(violations).toEqual([]);
    expect(messages.filter((m) => /content security policy|refused to/i.test(m))).toEqual([]);
    await page.context().close();
  });

  it('signs in without JavaScript (the form posts to the server action itself), and says so when the password is wrong', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    await page.goto(`${frontend.url}/sign-in?next=${encodeURIComponent('/?period=30d')}`);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#password-error').waitFor();
    expect(await page.locator('#password-error').textContent()).toBe('Wrong password. Check it and try again.');
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === frontend.url && url.pathname === '/');
    expect(new URL(page.url()).searchParams.get('period')).toBe('30d');
    // A quick api's numbers are part of the page (no Suspense boundary to swap in with a script).
    await page.locator('[data-stats-period="30d"] [data-kpi="messages"]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-stats-period="30d"] [data-chat-id]').first().isVisible()).toBe(true);
    expect((await context.cookies()).map((c) => c.name)).toContain('dialogstack_session');
    await context.close();
  });

  // Last: it uses up this client's sign-in attempts.
  it('limits password guessing: parallel guesses get 429 with Retry-After, the form says why, the log names the client', async () => {
    const { page } = await watchedPage();
    await page.goto(`${frontend.url}/sign-in`);
    const shown: string[] = [];
    const guess = async (wrong: string) => {
      const answered = page.waitForResponse((res) => res.request().method() === 'POST');
      await signIn(page, wrong);
      await answered;
      // The form is done with this answer once its button is enabled again.
      await page.waitForFunction(() => document.querySelector('button[type=submit]')?.hasAttribute('disabled') === false);
      await page.locator('#password-error').waitFor();
      shown.push((await page.locator('#password-error').textContent()) ?? '');
    };
    await guess('a-first-wrong-guess');
    expect(shown).toEqual(['Wrong password. Check it and try again.']);

    // Parallel guesses (with made-up X-Forwarded-For headers, which change nothing).
    const guesses = await Promise.all(Array.from({ length: 24 }, (_, i) => fetch(`${frontend.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `198.51.100.${i}` },
      body: 'password=guess',
      redirect: 'manual',
    })));
    const refused = guesses.filter((r) => r.status === 429);
    // A right password gives its attempt back; of the 10, the earlier test's wrong one is used up.
    expect(refused.length).toBeGreaterThanOrEqual(14);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await r.text()).toMatch(/^Too many sign-in attempts\. Try again in \d+ s\.$/);
    }

    // In the form (a token may have come back meanwhile, one every 30 s): guesses until refused.
    for (let i = 0; i < 4 && !/^Too many/.test(shown[shown.length - 1]); i++) await guess(`wrong-guess-${i}`);
    expect(shown[shown.length - 1]).toMatch(/^Too many sign-in attempts\. Try again in \d+ s\.$/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('dialogstack_session');

    // Without JavaScript the refusal comes the same way: in the action's state, on the page.
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(`${frontend.url}/sign-in`);
    await plain.getByLabel('Password').fill('a-guess-without-javascript');
    await plain.getByRole('button', { name: 'Sign in' }).click();
    expect(await plain.locator('#password-error').textContent()).toMatch(/^Too many sign-in attempts\. Try again in \d+ s\.$/);
    await noScript.close();

    const logged = frontend.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual(expect.arrayContaining([
      expect.objectContaining({ msg: 'sign-in refused: wrong password', clientIp: '127.0.0.1' }),
      expect.objectContaining({ msg: 'sign-in refused: too many attempts', clientIp: '127.0.0.1', limit: 'client' }),
    ]));
    await page.context().close();
  });
});
