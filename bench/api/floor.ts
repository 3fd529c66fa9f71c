/**
 * The SQL floor alone: EXPLAIN ANALYZE of every statement of the mix on the 1M-message seed,
 * without the load runs of run.ts.
 *
 *   DATABASE_URL=postgres://postgres:…@127.0.0.1:5432/postgres \
 *     flock /work/docker-heavy.lock npx tsx bench/api/floor.ts [--runs 3] [--periods 30d,7d] [--keep] [--database NAME]
 *
 * `--keep` leaves the seeded database in place (its name is printed); `--database NAME` measures
 * an existing one (migrated first, so a new migration applies to it) instead of seeding anew.
 */
import { PERIODS, Period } from '@dialogstack/contract';
import { createDataSource, migrateUp } from '@dialogstack/db';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { explainMs } from './explain';
import { buildApi } from '../../src/api/test/support/api-process';
import { adminUrl, createTestDatabase, TEST_OWNER, TEST_READER, TEST_WRITER, withDatabase } from '../../test/support/database';

const ROOT = resolve(__dirname, '..', '..');
const LIMITS = [1, 10, 50];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      periods: { type: 'string', default: PERIODS.join(',') },
      keep: { type: 'boolean', default: false },
      database: { type: 'string' },
    },
  });
  const periods = values.periods!.split(',') as Period[];
  buildApi();
  let name = values.database;
  let drop: (() => Promise<void>) | undefined;
  if (!name) {
    const db = await createTestDatabase('floor');
    name = db.name;
    drop = () => db.drop();
  }
  const ownerUrl = withDatabase(adminUrl(), name, TEST_OWNER);
  const readerUrl = withDatabase(adminUrl(), name, TEST_READER);
  try {
    const ds = createDataSource({ url: ownerUrl, applicationName: 'bench-migrate', poolSize: 1 });
    await ds.initialize();
    await migrateUp(ds, TEST_READER.role, TEST_WRITER.role);
    await ds.destroy();
    if (!values.database) {
      console.error(`[floor] seeding ${name}`);
      console.error(execFileSync(process.execPath, ['src/api/dist/cli/seed.js'], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: ownerUrl }, encoding: 'utf8' }).trim());
    }
    console.log('| run | period | limit | execution | planning | total | load avg |');
    console.log('|---:|---|---:|---:|---:|---:|---:|');
    for (let run = 1; run <= Number(values.runs); run++) {
      for (const period of periods) {
        for (const limit of LIMITS) {
          const { medianMs, planningMs } = explainMs(readerUrl, period, limit);
          console.log(`| ${run} | ${period} | ${limit} | ${medianMs.toFixed(2)} | ${planningMs.toFixed(2)} | ${(medianMs + planningMs).toFixed(2)} | ${loadavg()[0].toFixed(1)} |`);
        }
      }
    }
  } finally {
    if (drop && !values.keep) await drop();
    else console.error(`[floor] kept database ${name}`);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
