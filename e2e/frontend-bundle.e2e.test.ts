import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILD_OUTPUT, buildFrontend, filesUnder, startFrontend } from './support/frontend';
import { createSessionToken, SESSION_COOKIE } from '../src/frontend/lib/session';
import { statsFixture } from '../src/frontend/test/support/stats-fixture';

/**
 * One image for every environment: the dashboard is built with sentinel values for its
 * secrets and the api address, and none of them may end up in what the browser downloads
 * (or anywhere in the build). Started afterwards with other values, the server uses those:
 * nothing was baked in at build time.
 */
describe('dashboard build: no api address or secret in the bundles', () => {
  const sentinels = {
    API_URL: 'http://sentinel-api-host.invalid:4000',
    API_TOKEN: `sentinel-token-${randomBytes(12).toString('hex')}`,
    DASHBOARD_PASSWORD: `sentinel-password-${randomBytes(6).toString('hex')}`,
    SESSION_SECRET: `sentinel-session-secret-${randomBytes(16).toString('hex')}`,
  };
  const needles = [sentinels.API_TOKEN, 'sentinel-api-host', sentinels.DASHBOARD_PASSWORD, sentinels.SESSION_SECRET];

  beforeAll(async () => {
    await buildFrontend(sentinels);
  }, 10 * 60_000);

  it('keeps them out of every client bundle (.next/static/**/*.js)', () => {
    const bundles = filesUnder(BUILD_OUTPUT.static, '.js');
    expect(bundles.length).toBeGreaterThan(5);
    const leaks = bundles.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return needles.filter((needle) => text.includes(needle)).map((needle) => `${file}: ${needle}`);
    });
    expect(leaks).toEqual([]);
  });

  it('keeps them out of the standalone server too: it reads them at run time', () => {
    const leaks = filesUnder(BUILD_OUTPUT.standalone).filter((file) => /\.(js|json|html|rsc|body)$/.test(file)).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return needles.filter((needle) => text.includes(needle)).map((needle) => `${file}: ${needle}`);
    });
    expect(leaks).toEqual([]);
  });

  describe('started with other values than at build time', () => {
    let api: Server;
    let apiUrl: string;
    const seen: { url?: string; headers: IncomingHttpHeaders }[] = [];
    const runtime = {
      API_TOKEN: `runtime-token-${randomBytes(12).toString('hex')}`,
      DASHBOARD_PASSWORD: 'runtime-password',
      SESSION_SECRET: randomBytes(24).toString('hex'),
    };

    beforeAll(async () => {
      api = createServer((req, res) => {
        seen.push({ url: req.url, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(statsFixture('30d')));
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

    it('calls the api named by the runtime API_URL with the runtime API_TOKEN', async () => {
      const frontend = await startFrontend({ ...runtime, API_URL: apiUrl });
      try {
        const cookie = `${SESSION_COOKIE}=${createSessionToken(runtime.SESSION_SECRET).token}`;
        const page = await fetch(`${frontend.url}/?period=30d`, { headers: { cookie }, redirect: 'manual' });
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('data-stats-period="30d"');
        expect(seen).toEqual([{ url: '/api/v1/stats?period=30d&limit=10', headers: expect.objectContaining({ authorization: `Bearer ${runtime.API_TOKEN}` }) }]);
        expect(html).not.toContain(runtime.API_TOKEN);
        expect(frontend.output()).not.toContain(runtime.API_TOKEN);
      } finally {
        await frontend.stop();
      }
    });
  });
});
