/**
 * Time to first byte and to the complete HTML of the dashboard, per period, against the real
 * api over a seeded database; the api's own latency for the same query beside it. Sequential
 * requests with a valid session cookie, after a warm-up.
 *
 *   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres \
 *     npx tsx bench/frontend/dashboard-ttfb.ts [--requests 30] [--users 10000] [--messages 1000000] [--days 180] [--no-build]
 */
import { API_ROUTES, PERIODS } from '@dialogstack/contract';
import { parseArgs } from 'node:util';
import { ms, percentile, startDashboardStack } from './dashboard-stack';

const { values } = parseArgs({
  options: {
    'requests': { type: 'string', default: '30' },
    'users': { type: 'string', default: '10000' },
    'messages': { type: 'string', default: '1000000' },
    'days': { type: 'string', default: '180' },
    'no-build': { type: 'boolean', default: false },
  },
});

async function timed(url: string, headers: Record<string, string>): Promise<{ firstByte: number; complete: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const firstByte = performance.now() - start; // fetch resolves when the status line and headers arrive
  await res.arrayBuffer();
  return { firstByte, complete: performance.now() - start };
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}, max ${ms(sorted[sorted.length - 1])}`;
}

async function main() {
  const requests = Number(values.requests);
  const stack = await startDashboardStack(
    { users: Number(values.users), messages: Number(values.messages), days: Number(values.days) },
    { build: !values['no-build'] },
  );
  try {
    console.log(`${requests} sequential requests per period, after 3 warm-up requests\n`);
    for (const period of PERIODS) {
      const page = `${stack.frontendUrl}/?period=${period}`;
      const api = `${stack.apiUrl}${API_ROUTES.stats}?period=${period}&limit=10`;
      for (let i = 0; i < 3; i++) await timed(page, { cookie: stack.sessionCookie });
      const firstByte: number[] = [];
      const complete: number[] = [];
      const apiOnly: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t = await timed(page, { cookie: stack.sessionCookie });
        firstByte.push(t.firstByte);
        complete.push(t.complete);
        apiOnly.push((await timed(api, { authorization: `Bearer ${stack.apiToken}` })).complete);
      }
      console.log(`${period.padEnd(4)} dashboard TTFB      ${summary(firstByte)}`);
      console.log(`     dashboard complete  ${summary(complete)}`);
      console.log(`     api stats alone     ${summary(apiOnly)}`);
    }
  } finally {
    await stack.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
