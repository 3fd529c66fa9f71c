/**
 * Statistics api benchmark.
 *
 *   DATABASE_URL=postgres://postgres:…@127.0.0.1:5432/postgres npx tsx bench/api/run.ts [--seconds 20] [--connections 50] [--rate 300]
 *
 * DATABASE_URL is a superuser connection, as for the tests. The run:
 * 1. creates a throwaway database (writer and read-only roles), migrates it and seeds it with
 *    the seed command's defaults (10k users, 1M messages over 180 days), timing the seed;
 * 2. builds the api and checks that the naive implementation returns exactly what the api
 *    returns for every period (same clock), so the comparison is between equals;
 * 3. for period=30d and period=all, loads three servers behind the same HTTP stack:
 *    `api` (node src/api/dist/main.js, as shipped), `uncoalesced` (the api's statement, but no
 *    sharing between concurrent identical requests) and `naive` (one query per chart point,
 *    from `messages`): closed loop at N connections (as fast as answers come), and for the
 *    first two an open loop at a fixed rate (latency at that throughput);
 * 4. times the api's statement in PostgreSQL with EXPLAIN ANALYZE through psql, the floor.
 * Prints a table and writes artifacts/bench/api.json. The machine's load average is
 * recorded with each measurement: other processes on the box skew the numbers.
 */
import { PERIODS, Period, StatsQuery, StatsResponse } from '@dialogstack/contract';
import { createDataSource, migrateUp } from '@dialogstack/db';
import { createLogger } from '@dialogstack/runtime';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { explainMs } from './explain';
import { load, LoadResult } from './load';
import { NaiveStatsService } from './naive-stats.service';
import { Database } from '../../src/api/dist/database/database';
import { StatsService } from '../../src/api/dist/stats/stats.service';
import { ApiProcess, buildApi, startApi } from '../../src/api/test/support/api-process';
import { createTestDatabase, TestDatabase } from '../../test/support/database';

const ROOT = resolve(__dirname, '..', '..');
const TOKEN = 'bench-api-token-0123456789abcdefghij';
const MEASURED: Period[] = ['30d', 'all'];
const SERVERS = ['api', 'uncoalesced', 'naive'] as const;
const NAIVE_SECONDS = 60;
type Server = (typeof SERVERS)[number];

interface Measurement {
  server: Server;
  period: Period;
  mode: 'closed' | 'open';
  connections: number;
  loadAverage: number;
  result: LoadResult;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '50' }, rate: { type: 'string', default: '300' } } });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const rate = Number(values.rate);

  log('building the api');
  buildApi();
  const db = await createTestDatabase('bench');
  try {
    await migrate(db);
    log('seeding (seed command defaults)');
    const seedLine = execFileSync(process.execPath, ['src/api/dist/cli/seed.js'], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: db.writerUrl }, encoding: 'utf8' }).trim();
    log(seedLine);

    log('checking that the naive implementation agrees with the api');
    await checkAgreement(db.readerUrl);

    const measurements: Measurement[] = [];
    for (const server of SERVERS) {
      const api = await startServer(server, db.readerUrl);
      try {
        for (const period of MEASURED) {
          const url = `${api.url}/api/v1/stats?period=${period}`;
          const headers = { authorization: `Bearer ${TOKEN}` };
          await load({ url, headers, connections: 10, seconds: 3, timeoutSeconds: 120 }); // warm-up: caches, JIT of the JS
          // The naive server cannot keep up with an open loop; alone (1 connection) it shows its best latency.
          const runs: [Measurement['mode'], number][] = server === 'naive'
            ? [['closed', connections], ['closed', 1]]
            : [['closed', connections], ['open', connections]];
          for (const [mode, conns] of runs) {
            const loadAverage = loadavg()[0];
            log(`${server} ${period} ${mode} loop, ${conns} connections…`);
            // A naive request takes seconds: a longer run and timeout, or nothing completes.
            const duration = server === 'naive' ? Math.max(seconds, NAIVE_SECONDS) : seconds;
            const result = await load({ url, headers, connections: conns, seconds: duration, timeoutSeconds: 120, ...(mode === 'open' ? { rate } : {}) });
            measurements.push({ server, period, mode, connections: conns, loadAverage, result });
            log(`  ${format(result)}`);
          }
        }
      } finally {
        await api.stop();
      }
    }

    log('EXPLAIN ANALYZE of the api statement');
    const explain = Object.fromEntries(PERIODS.map((p) => [p, explainMs(db.readerUrl, p)]));

    report({ seedLine, connections, rate, seconds, measurements, explain });
  } finally {
    await db.drop();
  }
}

async function migrate(db: TestDatabase): Promise<void> {
  const ds = createDataSource({ url: db.writerUrl, applicationName: 'bench-migrate', poolSize: 1 });
  await ds.initialize();
  await migrateUp(ds, db.readerRole);
  await ds.destroy();
}

/** The api's service and the naive one, same clock, same answers for every period. */
async function checkAgreement(readerUrl: string): Promise<void> {
  const database = new Database(readerUrl, createLogger('api', { level: 'error' }));
  const now = new Date();
  const clock = { now: () => now };
  const api = new StatsService(database, clock);
  const naive = new NaiveStatsService(database, clock);
  try {
    for (const period of PERIODS) {
      const query: StatsQuery = { period, limit: 10 };
      const [a, b]: StatsResponse[] = [await api.computeStats(query), await naive.computeStats(query)];
      if (!isDeepStrictEqual(a, b)) {
        throw new Error(`period=${period}: the naive implementation disagrees with the api\napi:   ${JSON.stringify(a)}\nnaive: ${JSON.stringify(b)}`);
      }
    }
  } finally {
    await database.onApplicationShutdown();
  }
}

function startServer(server: Server, readerUrl: string): Promise<ApiProcess> {
  const env = { DATABASE_URL: readerUrl, API_TOKEN: TOKEN, PORT: '0', LOG_LEVEL: 'info' };
  if (server === 'api') return startApi(env);
  return startApi(env, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'serve.ts'), server]);
}

function format(r: LoadResult): string {
  return `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, ${r.failures} failed of ${r.responses}`;
}

function report(data: {
  seedLine: string;
  connections: number;
  rate: number;
  seconds: number;
  measurements: Measurement[];
  explain: Record<string, { medianMs: number; planningMs: number }>;
}): void {
  const lines = [
    '',
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
    data.seedLine,
    `load: ${data.seconds} s per row, ${data.connections} connections; open loop at ${data.rate} req/s`,
    '',
    '| server | period | loop | connections | ok req/s | p50 ms | p95 ms | p99 ms | failed/answered | load avg |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...data.measurements.map(({ server, period, mode, connections, loadAverage, result: r }) =>
      `| ${server} | ${period} | ${mode === 'open' ? `open ${data.rate}/s` : 'closed'} | ${connections} | ${r.requestsPerSecond.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failures}/${r.responses} | ${loadAverage.toFixed(1)} |`),
    '',
    ...MEASURED.map((period) => {
      const okRate = (server: Server, conns: number) => data.measurements
        .find((m) => m.server === server && m.period === period && m.mode === 'closed' && m.connections === conns)!.result.requestsPerSecond;
      const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(0)}x` : 'unbounded (naive answered nothing)');
      return `${period}: api / naive at ${data.connections} connections = ${ratio(okRate('api', data.connections), okRate('naive', data.connections))}, `
        + `api / naive alone = ${ratio(okRate('api', data.connections), okRate('naive', 1))}, `
        + `uncoalesced / naive alone = ${ratio(okRate('uncoalesced', data.connections), okRate('naive', 1))} (ok req/s)`;
    }),
    '',
    'EXPLAIN ANALYZE of the api statement (median execution / planning, ms):',
    ...Object.entries(data.explain).map(([p, e]) => `  ${p.padEnd(4)} ${e.medianMs.toFixed(1)} / ${e.planningMs.toFixed(1)}`),
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(ROOT, 'artifacts', 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'artifacts', 'bench', 'api.json'), `${JSON.stringify({ ...data, at: new Date().toISOString() }, null, 2)}\n`);
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
