/**
 * First-load JavaScript of the dashboard route: what Chromium downloads to show `/` with data
 * (chart included), on the wire (compressed, as the standalone server sends it) and unpacked;
 * split into the first load (what the HTML names) and what is imported after hydration.
 * Next 16's Turbopack build no longer prints per-route sizes, so the browser counts them.
 *
 *   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres \
 *     npx tsx bench/frontend/first-load-js.ts [--no-build]
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startDashboardStack } from './dashboard-stack';

const { values } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false } } });
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

interface Script { readonly name: string; readonly wire: number; readonly unpacked: number }

function report(what: string, scripts: Script[]): void {
  const wire = scripts.reduce((sum, s) => sum + s.wire, 0);
  const unpacked = scripts.reduce((sum, s) => sum + s.unpacked, 0);
  console.log(`${what}: ${scripts.length} scripts, ${kB(wire)} on the wire (compressed), ${kB(unpacked)} unpacked`);
  for (const s of [...scripts].sort((a, b) => b.wire - a.wire).slice(0, 4)) console.log(`  ${kB(s.wire).padStart(9)}  ${kB(s.unpacked).padStart(9)}  ${s.name}`);
}

async function main() {
  const stack = await startDashboardStack({ users: 200, messages: 20_000, days: 90 }, { build: !values['no-build'] });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = stack.sessionCookie.split('=');
    await context.addCookies([{ name, value, url: stack.frontendUrl }]);
    const page = await context.newPage();
    const documentResponse = await page.goto(`${stack.frontendUrl}/?period=7d`, { waitUntil: 'networkidle' });
    await page.locator('.chart .chart__line--messages').waitFor();
    // First load: the chunks the server's HTML names (script tags and the RSC payload's client
    // references). Anything else was imported later, e.g. the lazily loaded chart.
    const html = await documentResponse!.text();
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.endsWith('.js'))
      .map((e) => {
        const r = e as PerformanceResourceTiming;
        return { name: new URL(r.name).pathname, wire: r.encodedBodySize, unpacked: r.decodedBodySize };
      }));
    const firstLoad = scripts.filter((s) => html.includes(s.name));
    const later = scripts.filter((s) => !html.includes(s.name));
    report('first load', firstLoad);
    report('loaded after hydration', later);
    report('all JavaScript of the page', scripts);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
