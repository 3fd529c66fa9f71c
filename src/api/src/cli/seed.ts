#!/usr/bin/env node
/**
 * Seed CLI: fills the database with a realistic data set for development, demos and benchmarks.
 * Uses DATABASE_URL, which must be the owner role (DB_OWNER_USER, the tables' owner): it empties tables and rebuilds the rollups.
 */
import { createDataSource } from '@dialogstack/db';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED_OPTIONS, seedDatabase, SeedOptions, SeedRefusedError } from '../seed/seed';

const USAGE = `usage: seed [--users N] [--messages N] [--days N] [--seed N] [--replace]
  --users     users to create (default ${DEFAULT_SEED_OPTIONS.users})
  --messages  messages of both roles to create (default ${DEFAULT_SEED_OPTIONS.messages})
  --days      days of history ending now (default ${DEFAULT_SEED_OPTIONS.days})
  --seed      random seed: same seed, same data (default ${DEFAULT_SEED_OPTIONS.randomSeed})
  --replace   delete all users, messages, statistics (and rows referencing them) first;
              otherwise a non-empty database is refused
env: DATABASE_URL  postgres:// URL of the writer role`;

const LIMITS = { users: [1, 10_000_000], messages: [0, 100_000_000], days: [1, 3650], seed: [0, 2 ** 31 - 1] } as const;

export function parseSeedArgs(argv: string[]): SeedOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      users: { type: 'string' },
      messages: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      replace: { type: 'boolean', default: false },
    },
  });
  const integer = (name: keyof typeof LIMITS, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const [min, max] = LIMITS[name];
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  return {
    users: integer('users', DEFAULT_SEED_OPTIONS.users),
    messages: integer('messages', DEFAULT_SEED_OPTIONS.messages),
    days: integer('days', DEFAULT_SEED_OPTIONS.days),
    randomSeed: integer('seed', DEFAULT_SEED_OPTIONS.randomSeed),
    replace: values.replace ?? false,
  };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: SeedOptions;
  try {
    options = parseSeedArgs(argv);
  } catch (err) {
    console.error(`seed: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('seed: DATABASE_URL is not set (the schema owner, as migrate connects: postgres://owner:password@host:5432/database)');
    return 2;
  }
  const ds = createDataSource({ url, applicationName: 'dialogstack-seed', poolSize: 1, statementTimeoutMs: 0 });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    const started = performance.now();
    const report = await seedDatabase(runner, options);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`seed: ${report.users} users, ${report.messages} messages from ${report.from.toISOString()} to ${report.to.toISOString()} `
      + `in ${seconds(performance.now() - started)} (users ${seconds(report.timings.users)}, messages ${seconds(report.timings.messages)}, `
      + `rollups ${seconds(report.timings.rollups)}, vacuum ${seconds(report.timings.vacuum)})`);
    return 0;
  } catch (err) {
    if (err instanceof SeedRefusedError) {
      console.error(`seed: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      // The message only: a driver error's stack can carry connection settings.
      console.error(`seed: failed: ${err.message}`);
      process.exit(1);
    },
  );
}
